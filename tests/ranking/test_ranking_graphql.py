"""The ranking graph: the active model's card for managers and HQ, scores with reasons for reps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sklearn import __version__ as sklearn_version
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.identity.models import Role
from backend.kit.db import set_tenant
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.ranking.models import RankingModel, RetailerScore
from backend.ranking.service import train_and_activate
from tests.factories.ranking import RankingWorld, make_ranking_world
from tests.support.graphql_client import GraphQLClient

AS_OF = date(2026, 10, 26)


@pytest.fixture
async def world(session: AsyncSession, settings: Settings) -> RankingWorld:
    built = await make_ranking_world(session, settings)
    await session.commit()
    return built


async def _train(session: AsyncSession, world: RankingWorld, settings: Settings) -> RankingModel:
    await set_tenant(session, world.tenant.id)
    outcome = await train_and_activate(
        session, world.tenant.id, as_of=AS_OF, settings=settings.model
    )
    await session.commit()
    return outcome.model


@contextmanager
def _statements(connection: AsyncConnection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
async def test_managers_and_hq_read_the_active_models_card(
    session: AsyncSession,
    settings: Settings,
    world: RankingWorld,
    client: GraphQLClient,
    role: Role,
) -> None:
    model = await _train(session, world, settings)

    body = await client.run("RankingModel", token=world.tokens[role])

    assert "errors" not in body
    card = body["data"]["rankingModel"]
    report = model.metrics
    assert {k: card[k] for k in ("id", "version", "kind", "selected", "selectionMessage")} == {
        "id": encode_global_id("RankingModel", model.id),
        "version": model.version,
        "kind": model.kind.value,
        "selected": model.selected,
        "selectionMessage": model.selection_message,
    }
    assert (card["trainedFrom"], card["trainedTo"]) == ("2026-03-02", "2026-10-25")
    assert card["validationCutoffs"] == report["cutoffs"]
    assert card["trainingCutoffs"] == []  # a baseline is served: nothing was fitted
    assert (card["horizonDays"], card["k"], card["retailerCount"]) == (28, 30, 13)
    assert card["dataHash"] == model.data_hash and card["isActive"] is True
    assert card["deactivatedAt"] is None and card["activatedAt"] is not None
    assert {"name": "scikit-learn", "version": sklearn_version} in card["libraries"]
    names = [m["name"] for m in card["metrics"]]
    assert sorted(names) == ["last_4_weeks", "model", "random", "recency_frequency"]
    ndcgs = [m["ndcgAtK"] for m in card["metrics"]]
    assert ndcgs == sorted(ndcgs, reverse=True)
    model_metrics = next(m for m in card["metrics"] if m["name"] == "model")
    assert model_metrics["isBaseline"] is False
    assert model_metrics["ndcgAtK"] == report["models"]["model"]["ndcg_at_k"]
    assert [c["cutoff"] for c in model_metrics["perCutoff"]] == report["cutoffs"]
    assert (
        model_metrics["perCutoff"][0]["valueCapturedAtK"]
        == (report["models"]["model"]["per_cutoff"][0]["value_captured_at_k"])
    )


async def test_the_card_is_null_before_any_training(
    world: RankingWorld, client: GraphQLClient
) -> None:
    body = await client.run("RankingModel", token=world.tokens[Role.ADMIN])

    assert body == {"data": {"rankingModel": None}}


@pytest.mark.parametrize("role", [Role.REP, Role.DISTRIBUTOR])
async def test_reps_and_distributors_may_not_read_the_card(
    session: AsyncSession,
    settings: Settings,
    world: RankingWorld,
    client: GraphQLClient,
    role: Role,
) -> None:
    model = await _train(session, world, settings)

    body = await client.run("RankingModel", token=world.tokens[role])
    assert body["data"] == {"rankingModel": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = await client.run(
        "Node", {"id": encode_global_id("RankingModel", model.id)}, token=world.tokens[role]
    )
    assert node["data"] == {"node": None}


async def test_a_rep_reads_its_retailers_score_with_reasons(
    session: AsyncSession, settings: Settings, world: RankingWorld, client: GraphQLClient
) -> None:
    model = await _train(session, world, settings)
    retailer = world.on_beat[0]
    stored = (
        await session.execute(select(RetailerScore).where(RetailerScore.retailer_id == retailer.id))
    ).scalar_one()
    token = world.tokens[Role.REP]
    retailer_id = encode_global_id("Retailer", retailer.id)

    body = await client.run("RetailerExpectedOfftake", {"id": retailer_id}, token=token)

    assert "errors" not in body
    assert body["data"]["node"]["expectedOfftake"] == {
        "value": {"amount": str(stored.expected_value), "currency": "IDR"},
        "horizonDays": 28,
        "asOf": "2026-10-26",
        "rank": stored.rank,
        "portfolioSize": 12,
        "reasons": stored.reasons,
        "source": f"baseline:{model.selected}",
    }
    assert len(stored.reasons) >= 1
    earlier = await client.run(
        "RetailerExpectedOfftake", {"id": retailer_id, "asOf": "2026-10-25"}, token=token
    )
    assert earlier["data"]["node"]["expectedOfftake"] is None
    outside = await client.run(
        "RetailerExpectedOfftake",
        {"id": encode_global_id("Retailer", world.off_beat.id)},
        token=token,
    )
    assert outside["data"] == {"node": None}  # another territory: not visible to this rep


async def test_a_distributor_may_not_read_scores(
    session: AsyncSession, settings: Settings, world: RankingWorld, client: GraphQLClient
) -> None:
    await _train(session, world, settings)

    body = await client.run(
        "RetailerExpectedOfftake",
        {"id": encode_global_id("Retailer", world.on_beat[0].id)},
        token=world.tokens[Role.DISTRIBUTOR],
    )

    assert body["data"]["node"]["expectedOfftake"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_scores_of_a_page_take_the_same_statements_whatever_its_size(
    session: AsyncSession,
    settings: Settings,
    world: RankingWorld,
    client: GraphQLClient,
    connection: AsyncConnection,
) -> None:
    await _train(session, world, settings)
    token = world.tokens[Role.MANAGER]
    counts = {}
    for first in (2, 12):
        with _statements(connection) as seen:
            body = await client.run("RetailersExpectedOfftake", {"first": first}, token=token)
        edges = body["data"]["retailers"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["expectedOfftake"]["rank"] >= 1 for e in edges)
        counts[first] = len(seen)

    assert counts[2] == counts[12]


async def test_another_tenant_sees_no_card_and_no_scores(
    session: AsyncSession, settings: Settings, world: RankingWorld, client: GraphQLClient
) -> None:
    await _train(session, world, settings)
    other = await make_ranking_world(session, settings, outlets=2, days=20)
    await session.commit()

    card = await client.run("RankingModel", token=other.tokens[Role.ADMIN])
    scores = await client.run(
        "RetailerExpectedOfftake",
        {"id": encode_global_id("Retailer", world.on_beat[0].id)},
        token=other.tokens[Role.ADMIN],
    )

    assert card == {"data": {"rankingModel": None}}
    assert scores == {"data": {"node": None}}


async def test_a_reps_portfolio_pages_in_rank_order(
    session: AsyncSession,
    settings: Settings,
    world: RankingWorld,
    client: GraphQLClient,
    connection: AsyncConnection,
) -> None:
    model = await _train(session, world, settings)
    scores = (await session.execute(select(RetailerScore))).scalars().all()
    by_code = {r.code: next(s for s in scores if s.retailer_id == r.id) for r in world.on_beat}
    rep_id = encode_global_id("Rep", world.rep.id)
    token = world.tokens[Role.REP]

    seen: list[str] = []
    after = None
    counts = []
    while True:
        with _statements(connection) as statements:
            body = await client.run(
                "RankedRetailers", {"repId": rep_id, "first": 5, "after": after}, token=token
            )
        counts.append(len(statements))
        page = body["data"]["rankedRetailers"]
        assert page["totalCount"] == 12
        for edge in page["edges"]:
            code, offtake = edge["node"]["retailer"]["code"], edge["node"]["expectedOfftake"]
            seen.append(code)
            assert offtake["rank"] == by_code[code].rank == len(seen)
            assert offtake["value"]["amount"] == str(by_code[code].expected_value)
            assert offtake["source"] == f"baseline:{model.selected}"
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == sorted(by_code, key=lambda code: by_code[code].rank)
    assert len(counts) == 3 and counts[0] == counts[1]  # same statements for every page
    values = [by_code[code].expected_value for code in seen]
    assert values == sorted(values, reverse=True)


async def test_the_ranked_list_is_empty_before_scoring_and_refused_to_distributors(
    world: RankingWorld, client: GraphQLClient
) -> None:
    rep_id = encode_global_id("Rep", world.rep.id)

    empty = await client.run(
        "RankedRetailers", {"repId": rep_id, "first": 5}, token=world.tokens[Role.MANAGER]
    )
    refused = await client.run(
        "RankedRetailers", {"repId": rep_id, "first": 5}, token=world.tokens[Role.DISTRIBUTOR]
    )

    assert empty["data"]["rankedRetailers"]["totalCount"] == 0
    assert empty["data"]["rankedRetailers"]["edges"] == []
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
