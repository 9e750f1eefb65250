"""Field queries: reps, beats, PJP, visits, sync outcomes, goals — all keyset connections."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.types import Connection
from backend.field import listing, pjp, sync
from backend.field.goal_models import Goal
from backend.field.graphql_goals import GoalNode, goal_node
from backend.field.graphql_paging import After, First, page
from backend.field.graphql_types import (
    BeatNode,
    PjpChangeNode,
    PjpLineNode,
    RepNode,
    SyncItemOutcome,
    VisitNode,
    beat_node,
    outcome_node,
    pjp_change_node,
    pjp_line_node,
    rep_node,
    visit_node,
)
from backend.field.models import (
    Beat,
    OutsideGeofencePolicy,
    PjpChange,
    PjpChangeStatus,
    PjpEntry,
    Rep,
)
from backend.field.reps import field_rules
from backend.field.sync_models import SyncItem
from backend.field.visit_models import Visit
from backend.field.visits import acting_rep
from backend.kit.ids import decode_typed_id


def _opt(value: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID | None:
    return None if value is None else decode_typed_id(value, type_name, field=field)


@strawberry.type(description="The tenant's geofence rules.")
class FieldSettings:
    geofence_radius_m: float = strawberry.field(description="Radius around an outlet, metres.")
    outside_geofence: OutsideGeofencePolicy = strawberry.field(
        description="FLAG or REFUSE outside the radius."
    )


@strawberry.type
class FieldQuery:
    @strawberry.field(description="Reps you may see (a REP sees itself, a MANAGER its subtree).")
    async def reps(
        self, info: strawberry.Info[Context, None], first: First, after: After = None
    ) -> Connection[RepNode]:
        stmt = listing.reps_query(await info.context.principal())
        return await page(
            info, stmt, listing.id_key(Rep.id), first, after, lambda r: str(r.id), rep_node
        )

    @strawberry.field(description="The signed-in rep's own profile.")
    async def my_rep(self, info: strawberry.Info[Context, None]) -> RepNode:
        principal = await info.context.principal()
        return rep_node(await acting_rep(info.context.session, principal))

    @strawberry.field(description="Beats you may see, by code.")
    async def beats(
        self,
        info: strawberry.Info[Context, None],
        first: First,
        after: After = None,
        rep_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this rep.")
        ] = None,
    ) -> Connection[BeatNode]:
        principal = await info.context.principal()
        stmt = listing.beats_query(principal, _opt(rep_id, "Rep", "repId"))
        return await page(info, stmt, Beat.code, first, after, lambda b: b.code, beat_node)

    @strawberry.field(description="The beats a rep works on a date by its PJP (a few at most).")
    async def beats_on(
        self,
        info: strawberry.Info[Context, None],
        rep_id: Annotated[strawberry.ID, strawberry.argument(description="The rep.")],
        on: Annotated[date, strawberry.argument(description="The date.")],
    ) -> list[BeatNode]:
        principal = await info.context.principal()
        rep = decode_typed_id(rep_id, "Rep", field="repId")
        beats = await pjp.beats_on(info.context.session, principal=principal, rep_id=rep, on=on)
        return [beat_node(b) for b in beats]

    @strawberry.field(description="A rep's PJP lines: all (with history) or those valid on a date.")
    async def pjp_lines(
        self,
        info: strawberry.Info[Context, None],
        rep_id: Annotated[strawberry.ID, strawberry.argument(description="The rep.")],
        first: First,
        after: After = None,
        valid_on: Annotated[
            date | None, strawberry.argument(description="Only lines valid then.")
        ] = None,
    ) -> Connection[PjpLineNode]:
        principal = await info.context.principal()
        rep = decode_typed_id(rep_id, "Rep", field="repId")
        stmt = listing.pjp_lines_query(principal, rep, valid_on)
        return await page(
            info,
            stmt,
            listing.id_key(PjpEntry.id),
            first,
            after,
            lambda e: str(e.id),
            pjp_line_node,
        )

    @strawberry.field(description="PJP change proposals you may see, oldest first.")
    async def pjp_changes(
        self,
        info: strawberry.Info[Context, None],
        first: First,
        after: After = None,
        status: Annotated[
            PjpChangeStatus | None, strawberry.argument(description="In this status.")
        ] = None,
    ) -> Connection[PjpChangeNode]:
        stmt = listing.pjp_changes_query(await info.context.principal(), status)
        sort = listing.time_id_key(PjpChange.created_at, PjpChange.id)
        key = lambda c: listing.time_id_value(c.created_at, c.id)  # noqa: E731
        return await page(info, stmt, sort, first, after, key, pjp_change_node)

    @strawberry.field(description="Visits you may see, in check-in order.")
    async def visits(
        self,
        info: strawberry.Info[Context, None],
        first: First,
        after: After = None,
        rep_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this rep.")
        ] = None,
        since: Annotated[date | None, strawberry.argument(description="From this date.")] = None,
        until: Annotated[date | None, strawberry.argument(description="To this date.")] = None,
    ) -> Connection[VisitNode]:
        principal = await info.context.principal()
        stmt = listing.visits_query(principal, _opt(rep_id, "Rep", "repId"), since, until)
        sort = listing.time_id_key(Visit.checked_in_at, Visit.id)
        key = lambda v: listing.time_id_value(v.checked_in_at, v.id)  # noqa: E731
        return await page(info, stmt, sort, first, after, key, visit_node)

    @strawberry.field(
        description="Stored outcomes of your device's offline items after a sequence."
    )
    async def sync_outcomes(
        self,
        info: strawberry.Info[Context, None],
        device_id: Annotated[str, strawberry.argument(description="Your device's id.")],
        first: First,
        after: After = None,
        since_sequence: Annotated[int, strawberry.argument(description="Only items after it.")] = 0,
    ) -> Connection[SyncItemOutcome]:
        stmt = await sync.device_outcomes_query(
            info.context.session,
            principal=await info.context.principal(),
            device_code=device_id,
            since_sequence=since_sequence,
        )
        key = lambda r: f"{r.sequence:010d}:{r.client_id}"  # noqa: E731
        to_node: Callable[[SyncItem], SyncItemOutcome] = lambda r: outcome_node(sync.outcome_of(r))  # noqa: E731
        return await page(info, stmt, sync.outcome_sort_key(), first, after, key, to_node)

    @strawberry.field(description="Goals you may see.")
    async def goals(
        self,
        info: strawberry.Info[Context, None],
        first: First,
        after: After = None,
        active_on: Annotated[
            date | None, strawberry.argument(description="Period holds it.")
        ] = None,
    ) -> Connection[GoalNode]:
        stmt = listing.goals_query(await info.context.principal(), active_on)
        return await page(
            info, stmt, listing.id_key(Goal.id), first, after, lambda g: str(g.id), goal_node
        )

    @strawberry.field(
        description="The tenant's geofence rules (defaults until an ADMIN sets them)."
    )
    async def field_settings(self, info: strawberry.Info[Context, None]) -> FieldSettings:
        await info.context.principal()
        rules = await field_rules(info.context.session)
        return FieldSettings(
            geofence_radius_m=rules.geofence_radius_m, outside_geofence=rules.outside_geofence
        )
