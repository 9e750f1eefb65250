"""The static cost estimate and the shape measures, on hand-computed cases."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
import strawberry
from graphql import parse

from backend.api.guard import cost, estimate_cost
from backend.api.guard.shape import alias_count, query_depth


@strawberry.type(description="A sales territory.")
class Territory:
    name: str


@strawberry.type(description="Opening hours on one weekday.")
class OpeningHours:
    weekday: int
    opens: str


@strawberry.type(description="An outlet.")
class Retailer:
    code: str
    name: str
    tags: list[str]
    territory: Territory

    @strawberry.field(description="Outlets nearby: a plain list without a size argument.")
    def neighbours(self) -> list[Retailer]:
        return []

    @strawberry.field(metadata=cost(complexity=3, multiplier=7))
    def opening_hours(self) -> list[OpeningHours]:
        return []

    @strawberry.field(metadata=cost(complexity=50))
    def score(self) -> float:
        return 0.0


@strawberry.type
class PageInfo:
    has_next_page: bool


@strawberry.type
class RetailerEdge:
    cursor: str
    node: Retailer


@strawberry.type
class RetailerConnection:
    edges: list[RetailerEdge]
    page_info: PageInfo
    total_count: int


SearchHit = Annotated[Retailer | Territory, strawberry.union("SearchHit")]


@strawberry.type
class Query:
    @strawberry.field
    def retailers(
        self, first: int | None = None, last: int | None = None, after: str | None = None
    ) -> RetailerConnection:
        raise NotImplementedError

    @strawberry.field(metadata=cost(multiplier_args=("limit",)))
    def top_retailers(self, limit: int = 5) -> list[Retailer]:
        return []

    @strawberry.field
    def retailer(self, code: str) -> Retailer | None:
        return None

    @strawberry.field
    def search(self, text: str) -> list[SearchHit]:
        return []


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename_retailer(self, code: str, name: str) -> Retailer:
        raise NotImplementedError


schema = strawberry.Schema(query=Query, mutation=Mutation)

CONNECTION_PAGE = """
  totalCount
  edges { cursor node { code territory { name } } }
  pageInfo { hasNextPage }
"""


def cost_of(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    return estimate_cost(schema, parse(query), variables, name)


def test_scalar_and_object_fields_cost_one_each() -> None:
    assert cost_of('{ retailer(code: "R1") { code name tags } }') == 4


def test_connection_multiplies_its_selection_by_first() -> None:
    # page: totalCount 1 + edges (1 + cursor 1 + node (1 + code 1 + territory 2)) + pageInfo 2 = 9
    assert cost_of("{ retailers(first: 20) {" + CONNECTION_PAGE + "} }") == 1 + 20 * 9


def test_first_is_read_from_variables_then_from_the_variable_default() -> None:
    query = "query Page($n: Int = 30) { retailers(first: $n) {" + CONNECTION_PAGE + "} }"
    assert cost_of(query, {"n": 50}) == 1 + 50 * 9
    assert cost_of(query) == 1 + 30 * 9


def test_unknown_page_size_counts_as_the_maximum_page() -> None:
    assert cost_of("{ retailers {" + CONNECTION_PAGE + "} }") == 1 + 100 * 9
    query = "query Page($n: Int) { retailers(first: $n) {" + CONNECTION_PAGE + "} }"
    assert cost_of(query, {"n": "many"}) == 1 + 100 * 9


def test_the_larger_of_first_and_last_counts() -> None:
    assert cost_of("{ retailers(first: 3, last: 7) {" + CONNECTION_PAGE + "} }") == 1 + 7 * 9


def test_plain_list_uses_the_default_list_size() -> None:
    assert cost_of('{ retailer(code: "R1") { neighbours { name } } }') == 1 + (1 + 10 * 1)
    query = '{ retailer(code: "R1") { neighbours { name } } }'
    assert estimate_cost(schema, parse(query), default_list_size=4) == 1 + (1 + 4 * 1)


def test_nested_lists_multiply() -> None:
    query = "{ retailers(first: 10) { edges { node { neighbours { neighbours { name } } } } } }"
    inner = 1 + 10 * 1
    outer = 1 + 10 * inner
    assert cost_of(query) == 1 + 10 * (1 + (1 + outer))


def test_annotated_complexity_and_fixed_multiplier() -> None:
    query = '{ retailer(code: "R1") { openingHours { weekday opens } score } }'
    assert cost_of(query) == 1 + (3 + 7 * 2) + 50


def test_annotated_multiplier_argument_falls_back_to_its_schema_default() -> None:
    assert cost_of("{ topRetailers { name } }") == 1 + 5 * 1
    assert cost_of("{ topRetailers(limit: 40) { name } }") == 1 + 40 * 1


def test_fragments_count_where_they_are_spread() -> None:
    query = """
    { retailers(first: 10) { edges { node { ...Outlet } } } }
    fragment Outlet on Retailer { code ...Where }
    fragment Where on Retailer { territory { name } }
    """
    assert cost_of(query) == 1 + 10 * (1 + (1 + (1 + 2)))


def test_inline_fragments_of_every_branch_are_summed() -> None:
    query = """{ search(text: "a") {
      __typename ... on Retailer { code name } ... on Territory { name } } }"""
    assert cost_of(query) == 1 + 10 * (0 + 2 + 1)


def test_operation_name_selects_the_operation_and_none_takes_the_costliest() -> None:
    query = (
        'query One { retailer(code: "R1") { code name } }'
        "query Page { retailers(first: 20) {" + CONNECTION_PAGE + "} }"
    )
    assert cost_of(query, name="One") == 3
    assert cost_of(query, name="Page") == 181
    assert cost_of(query) == 181


def test_mutation_selection_is_counted_against_the_mutation_type() -> None:
    query = 'mutation { renameRetailer(code: "R1", name: "Toko") { code neighbours { code } } }'
    assert cost_of(query) == 1 + 1 + (1 + 10 * 1)


def test_unknown_fields_and_fragments_do_not_break_the_estimate() -> None:
    assert cost_of("{ nothing { at all } ...Missing }") == 1 + 1 * 2


@pytest.mark.parametrize(
    ("query", "depth"),
    [
        ("{ retailer { code } }", 2),
        ("{ a { b { c { d } } } e }", 4),
        ("{ a { ...F } } fragment F on A { b { c } }", 3),
        ("{ __schema { types { fields { type { ofType { name } } } } } }", 0),
    ],
)
def test_depth_counts_field_levels(query: str, depth: int) -> None:
    assert query_depth(parse(query)) == depth


def test_aliases_count_once_per_fragment_spread() -> None:
    query = """{ a: retailer { n: name } b: retailer { ...F } c: retailer { ...F } }
    fragment F on Retailer { x: code y: code }"""
    assert alias_count(parse(query)) == 3 + 1 + 2 * 2


def test_fragment_fan_out_is_measured_without_expanding_it() -> None:
    # F(i) spreads F(i-1) twice: expanding would visit 2**30 fragments, caching visits 31.
    levels = 30
    fragments = ["fragment F0 on Retailer { x: code }"] + [
        f"fragment F{i} on Retailer {{ a: territory {{ ...F{i - 1} }} "
        f"b: territory {{ ...F{i - 1} }} }}"
        for i in range(1, levels + 1)
    ]
    document = parse(f"{{ r: retailer {{ ...F{levels} }} }} " + " ".join(fragments))
    assert alias_count(document) == 1 + 3 * 2**levels - 2
    assert query_depth(document) == 1 + levels + 1
