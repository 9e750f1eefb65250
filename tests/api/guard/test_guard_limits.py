"""Deep, costly, aliased and token-heavy queries are refused with a code and run no resolver."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import strawberry
from strawberry.extensions import DisableValidation
from strawberry.types import ExecutionResult

from backend.api.guard import GuardSettings, guard_extensions


@dataclass
class ToyContext:
    calls: Counter[str] = field(default_factory=Counter)


@strawberry.type(description="A sales territory in a hierarchy.")
class Territory:
    name: str

    @strawberry.field(description="The territory above, a single object.")
    def parent(self, info: strawberry.Info[ToyContext, None]) -> Territory:
        info.context.calls["Territory.parent"] += 1
        return Territory(name=f"{self.name}^")


@strawberry.type(description="An outlet.")
class Retailer:
    code: str

    @strawberry.field(description="The outlet's territory.")
    def territory(self, info: strawberry.Info[ToyContext, None]) -> Territory:
        info.context.calls["Retailer.territory"] += 1
        return Territory(name="Menteng")

    @strawberry.field(description="The outlet's name.")
    def name(self, info: strawberry.Info[ToyContext, None]) -> str:
        info.context.calls["Retailer.name"] += 1
        return f"Toko {self.code}"

    @strawberry.field(description="Outlets nearby, a plain list.")
    def neighbours(self, info: strawberry.Info[ToyContext, None]) -> list[Retailer]:
        info.context.calls["Retailer.neighbours"] += 1
        return [Retailer(code=f"{self.code}.{i}") for i in range(2)]


@strawberry.type
class RetailerEdge:
    cursor: str
    node: Retailer


@strawberry.type
class RetailerConnection:
    edges: list[RetailerEdge]
    total_count: int


@strawberry.type
class Query:
    @strawberry.field(description="Retailers, a page at a time.")
    def retailers(
        self, info: strawberry.Info[ToyContext, None], first: int, after: str | None = None
    ) -> RetailerConnection:
        info.context.calls["Query.retailers"] += 1
        nodes = [Retailer(code=f"R{i}") for i in range(min(first, 3))]
        edges = [RetailerEdge(cursor=r.code, node=r) for r in nodes]
        return RetailerConnection(edges=edges, total_count=3)


@strawberry.input
class RenameRetailerInput:
    code: str
    name: str


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Rename an outlet.")
    def rename_retailer(
        self, info: strawberry.Info[ToyContext, None], input: RenameRetailerInput
    ) -> Retailer:
        info.context.calls["Mutation.renameRetailer"] += 1
        return Retailer(code=input.code)


SETTINGS = GuardSettings(max_depth=5, max_aliases=4, max_tokens=200, max_query_cost=500)
schema = strawberry.Schema(Query, Mutation, extensions=guard_extensions(SETTINGS))


async def run(
    query: str, variables: dict[str, object] | None = None
) -> tuple[ExecutionResult, ToyContext]:
    context = ToyContext()
    result = await schema.execute(query, variables, context_value=context)
    return result, context


def codes(result: ExecutionResult) -> list[str]:
    return [(error.extensions or {}).get("code", "") for error in result.errors or []]


async def test_query_under_the_limits_runs() -> None:
    result, context = await run("{ retailers(first: 2) { totalCount edges { node { name } } } }")
    assert result.errors is None
    assert result.data == {
        "retailers": {
            "totalCount": 3,
            "edges": [{"node": {"name": "Toko R0"}}, {"node": {"name": "Toko R1"}}],
        }
    }
    assert context.calls == Counter({"Query.retailers": 1, "Retailer.name": 2})


async def test_deep_query_is_refused() -> None:
    nested = "territory { " + "parent { " * 4 + "name" + " }" * 5
    result, context = await run("{ retailers(first: 1) { edges { node { " + nested + " } } } }")
    assert codes(result) == ["QUERY_TOO_DEEP"]
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "QUERY_TOO_DEEP", "depth": 9, "maxDepth": 5}
    assert result.data is None
    assert context.calls == Counter()


async def test_wide_costly_query_is_refused() -> None:
    # 1 + 100 * (edges 1 + node 1 + neighbours (1 + 10 * name 1)) = 1301 > 500
    result, context = await run(
        "query Wide($n: Int!) { retailers(first: $n) { edges { node { neighbours { name } } } } }",
        {"n": 100},
    )
    assert codes(result) == ["QUERY_TOO_COSTLY"]
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "QUERY_TOO_COSTLY", "cost": 1301, "maxCost": 500}
    assert context.calls == Counter()


async def test_aliased_query_is_refused() -> None:
    aliases = " ".join(f"r{i}: retailers(first: 1) {{ totalCount }}" for i in range(5))
    result, context = await run("{ " + aliases + " }")
    assert codes(result) == ["TOO_MANY_ALIASES"]
    assert result.errors is not None
    assert result.errors[0].extensions == {
        "code": "TOO_MANY_ALIASES",
        "aliases": 5,
        "maxAliases": 4,
    }
    assert context.calls == Counter()


async def test_token_heavy_query_is_refused_at_parse() -> None:
    padding = " ".join(["totalCount"] * 200)
    result, context = await run("{ retailers(first: 1) { " + padding + " } }")
    assert codes(result) == ["TOO_MANY_TOKENS"]
    assert result.errors is not None
    assert result.errors[0].message == "The document has more than 200 tokens."
    assert context.calls == Counter()


async def test_comments_count_as_tokens() -> None:
    comments = "\n".join(["# padding"] * 250)
    result, context = await run("{\n" + comments + "\n retailers(first: 1) { totalCount } }")
    assert codes(result) == ["TOO_MANY_TOKENS"]
    assert context.calls == Counter()


async def test_every_broken_limit_is_reported() -> None:
    nested = "neighbours { " * 5 + "code" + " }" * 5
    aliases = " ".join(f"n{i}: name" for i in range(5))
    query = "{ retailers(first: 100) { edges { node { " + aliases + " " + nested + " } } } }"
    result, context = await run(query)
    assert sorted(codes(result)) == ["QUERY_TOO_COSTLY", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES"]
    assert context.calls == Counter()


async def test_limits_apply_to_mutations() -> None:
    deep = "territory { " + "parent { " * 4 + "name" + " }" * 5
    query = 'mutation { renameRetailer(input: {code: "R1", name: "Baru"}) { ' + deep + " } }"
    result, context = await run(query)
    assert codes(result) == ["QUERY_TOO_DEEP"]
    assert context.calls == Counter()


async def test_mutation_under_the_limits_runs() -> None:
    query = 'mutation { renameRetailer(input: {code: "R1", name: "Baru"}) { code name } }'
    result, context = await run(query)
    assert result.errors is None
    assert result.data == {"renameRetailer": {"code": "R1", "name": "Toko R1"}}
    assert context.calls == Counter({"Mutation.renameRetailer": 1, "Retailer.name": 1})


async def test_cost_is_still_enforced_when_validation_is_skipped() -> None:
    unvalidated = strawberry.Schema(
        Query, Mutation, extensions=[*guard_extensions(SETTINGS), DisableValidation]
    )
    context = ToyContext()
    result = await unvalidated.execute(
        "{ retailers(first: 100) { edges { node { neighbours { name } } } } }",
        context_value=context,
    )
    assert codes(result) == ["QUERY_TOO_COSTLY"]
    assert context.calls == Counter()
