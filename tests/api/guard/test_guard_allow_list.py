"""Persisted-query allow-list: only the documents of the operations folder run in production."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import strawberry
from strawberry.types import ExecutionResult

from backend.api.guard import GuardSettings, guard_extensions, load_operation_allow_list

RETAILER_PAGE = """
# The rep app's retailer list.
query RetailerPage($first: Int!) {
  retailers(first: $first) { ...RetailerFields }
}
"""
FRAGMENTS = "fragment RetailerFields on Retailer { code name }"
MANAGER = """
query RetailerByCode($code: String!) { retailer(code: $code) { code } }
mutation Rename($code: String!, $name: String!) { rename(code: $code, name: $name) { name } }
"""
CANONICAL_PAGE = (
    "query RetailerPage($first: Int!) {\n"
    "  retailers(first: $first) {\n"
    "    ...RetailerFields\n"
    "  }\n"
    "}\n\n"
    "fragment RetailerFields on Retailer {\n"
    "  code\n"
    "  name\n"
    "}"
)


@dataclass
class CountingContext:
    calls: Counter[str] = field(default_factory=Counter)


@strawberry.type
class Retailer:
    code: str
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def retailers(self, info: strawberry.Info[CountingContext, None], first: int) -> list[Retailer]:
        info.context.calls["Query.retailers"] += 1
        return [Retailer(code="R1", name="Toko Satu")][:first]

    @strawberry.field
    def retailer(self, code: str) -> Retailer:
        return Retailer(code=code, name="Toko")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, code: str, name: str) -> Retailer:
        return Retailer(code=code, name=name)


@pytest.fixture
def operations_dir(tmp_path: Path) -> Path:
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "retailer_page.graphql").write_text(RETAILER_PAGE)
    (tmp_path / "fragments.graphql").write_text(FRAGMENTS)
    (tmp_path / "manager.graphql").write_text(MANAGER)
    return tmp_path


@pytest.fixture
def schema(operations_dir: Path) -> strawberry.Schema:
    settings = GuardSettings(production=True, operations_dir=operations_dir)
    return strawberry.Schema(Query, Mutation, extensions=guard_extensions(settings))


def codes(result: ExecutionResult) -> list[str]:
    return [(error.extensions or {}).get("code", "") for error in result.errors or []]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_loader_maps_each_operation_hash_to_its_canonical_text(operations_dir: Path) -> None:
    allow_list = load_operation_allow_list(operations_dir)
    assert len(allow_list) == 3
    assert allow_list[sha256(CANONICAL_PAGE)] == CANONICAL_PAGE
    assert {text.split("(")[0] for text in allow_list.values()} == {
        "query RetailerPage",
        "query RetailerByCode",
        "mutation Rename",
    }


def test_loader_refuses_a_fragment_defined_twice(operations_dir: Path) -> None:
    (operations_dir / "again.graphql").write_text(FRAGMENTS)
    with pytest.raises(ValueError, match="fragment RetailerFields is defined twice"):
        load_operation_allow_list(operations_dir)


def test_production_without_operations_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no operations found"):
        guard_extensions(GuardSettings(production=True, operations_dir=tmp_path))


async def test_published_document_runs_whatever_its_layout(schema: strawberry.Schema) -> None:
    reformatted = FRAGMENTS + "\n# trailing comment\n" + RETAILER_PAGE.replace("  ", "\t")
    context = CountingContext()
    result = await schema.execute(reformatted, {"first": 5}, context_value=context)
    assert result.errors is None
    assert result.data == {"retailers": [{"code": "R1", "name": "Toko Satu"}]}
    assert context.calls == Counter({"Query.retailers": 1})


async def test_one_operation_of_a_published_file_runs_by_name(schema: strawberry.Schema) -> None:
    result = await schema.execute(MANAGER, {"code": "R9", "name": "Baru"}, operation_name="Rename")
    assert result.errors is None
    assert result.data == {"rename": {"name": "Baru"}}


async def test_changed_document_is_refused_before_running(schema: strawberry.Schema) -> None:
    changed = RETAILER_PAGE.replace("...RetailerFields", "...RetailerFields secret: name")
    context = CountingContext()
    result = await schema.execute(changed + FRAGMENTS, {"first": 5}, context_value=context)
    assert codes(result) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert result.data is None
    assert context.calls == Counter()


async def test_hash_only_request_runs_the_published_document(schema: strawberry.Schema) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256(CANONICAL_PAGE)}}
    context = CountingContext()
    result = await schema.execute(
        None, {"first": 1}, context_value=context, operation_extensions=extensions
    )
    assert result.errors is None
    assert result.data == {"retailers": [{"code": "R1", "name": "Toko Satu"}]}


async def test_unknown_hash_is_refused(schema: strawberry.Schema) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256("{ retailers }")}}
    result = await schema.execute(None, operation_extensions=extensions)
    assert codes(result) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_syntax_and_token_errors_stay_readable_under_the_allow_list(
    schema: strawberry.Schema,
) -> None:
    syntax = await schema.execute("query RetailerPage(")
    assert syntax.errors is not None
    assert syntax.errors[0].message.startswith("Syntax Error:")
    heavy = await schema.execute("{ retailers(first: 1) { " + "code " * 5000 + "} }")
    assert codes(heavy) == ["TOO_MANY_TOKENS"]
