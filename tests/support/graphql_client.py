"""Run the documents in graphql/operations/ against the app over HTTP, as a front end would."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationDefinitionNode, parse

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def load_operations() -> dict[str, str]:
    """Operation name → the text of the file that defines it."""
    operations: dict[str, str] = {}
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        text = path.read_text()
        for definition in parse(text).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                operations[definition.name.value] = text
    return operations


OPERATIONS = load_operations()


class GraphQLClient:
    """Posts named operations to /graphql with an optional bearer token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.statements = 0

    async def run(
        self,
        operation: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Execute a named operation; return the response body."""
        return await self.raw(
            {
                "query": OPERATIONS[operation],
                "operationName": operation,
                "variables": variables or {},
            },
            token=token,
        )

    async def raw(
        self, body: Any, *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        """POST any body (an ad-hoc query, a batch) and return the decoded response."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post("/graphql", json=body, headers=all_headers)
        return response.json()
