"""Persisted-query allow-list: in production only the documents in `graphql/operations/` run.

An operation is identified by the sha256 of its canonical text: the operation followed by the
fragments it uses (transitively, sorted by name), printed by graphql-core, so that whitespace,
comments, unrelated operations and fragment order do not matter. A client sends either the full
text, or no text and `extensions.persistedQuery.sha256Hash` (the Apollo convention).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from backend.api.guard.cost import select_operations
from backend.api.guard.errors import GuardCode, guard_error

T = TypeVar("T")


def canonical_operation(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> str:
    """Print the operation and the fragments it uses in a canonical form."""
    used = _used_fragments(operation, fragments)
    document = DocumentNode(definitions=(operation, *(fragments[name] for name in sorted(used))))
    return print_ast(document)


def operation_hash(canonical_text: str) -> str:
    """Return the hex sha256 of a canonical operation text."""
    return hashlib.sha256(canonical_text.encode()).hexdigest()


def load_operation_allow_list(path: Path) -> dict[str, str]:
    """Read every `*.graphql` file under `path` and map each operation's hash to its text.

    Fragments may live in any file of the folder; a fragment name defined twice is an error.
    """
    files = sorted(path.rglob("*.graphql"))
    documents = [parse(file.read_text(), no_location=True) for file in files]
    fragments: dict[str, FragmentDefinitionNode] = {}
    for fragment in _definitions(documents, FragmentDefinitionNode):
        if fragment.name.value in fragments:
            raise ValueError(f"fragment {fragment.name.value} is defined twice under {path}")
        fragments[fragment.name.value] = fragment
    allow_list: dict[str, str] = {}
    for operation in _definitions(documents, OperationDefinitionNode):
        text = canonical_operation(operation, fragments)
        allow_list[operation_hash(text)] = text
    return allow_list


def requested_operation_hash(document: DocumentNode, operation_name: str | None) -> str | None:
    """Return the hash of the operation a request runs, or None when it names none or several."""
    operations = select_operations(document, operation_name)
    if len(operations) != 1:
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    return operation_hash(canonical_operation(operations[0], fragments))


class PersistedQueriesOnly(SchemaExtension):
    """Refuse any operation whose canonical hash is not in the allow-list."""

    def __init__(self, allow_list: Mapping[str, str]) -> None:
        self.allow_list = allow_list

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if not context.query:
            sent_hash = _persisted_query_hash(context.operation_extensions)
            if sent_hash is not None:
                if sent_hash not in self.allow_list:
                    raise _not_found()
                context.query = self.allow_list[sent_hash]
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is None:
            return  # a syntax error, which strawberry reports itself
        operation_name = self.execution_context.operation_name
        if requested_operation_hash(document, operation_name) not in self.allow_list:
            raise _not_found()


def _persisted_query_hash(operation_extensions: Mapping[str, object] | None) -> str | None:
    persisted = (operation_extensions or {}).get("persistedQuery")
    if not isinstance(persisted, Mapping):
        return None
    sent_hash = persisted.get("sha256Hash")
    return sent_hash if isinstance(sent_hash, str) else None


def _not_found() -> GraphQLError:
    return guard_error(
        GuardCode.PERSISTED_QUERY_NOT_FOUND,
        "Only the published operations may run here; this document is not one of them.",
    )


def _definitions(documents: list[DocumentNode], kind: type[T]) -> Iterator[T]:
    for document in documents:
        yield from (d for d in document.definitions if isinstance(d, kind))


def _used_fragments(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    used: set[str] = set()
    pending = _spread_names(operation)
    while pending:
        name = pending.pop()
        if name in used or name not in fragments:
            continue
        used.add(name)
        pending |= _spread_names(fragments[name])
    return used


def _spread_names(node: OperationDefinitionNode | FragmentDefinitionNode) -> set[str]:
    names: set[str] = set()

    class SpreadCollector(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, SpreadCollector())
    return names
