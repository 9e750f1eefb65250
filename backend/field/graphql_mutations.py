"""Field mutations: thin resolvers that decode input, call one service, and build the payload."""

from __future__ import annotations

import uuid
from dataclasses import asdict

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.auth.principal import Principal
from backend.field import goals, pjp, reps, sync, visits
from backend.field.goal_models import Goal, GoalOwner
from backend.field.graphql_goals import GoalNode, goal_node
from backend.field.graphql_inputs import (
    CaptureVisitOrderInput,
    CascadeGoalInput,
    CheckInVisitInput,
    CheckOutVisitInput,
    CreateBeatInput,
    DecidePjpChangeInput,
    ProposePjpChangeInput,
    SaveRepInput,
    SetFieldSettingsInput,
    SetGoalInput,
    SyncFieldActivityInput,
    pjp_lines,
    rep_profile,
    sku_lines,
)
from backend.field.graphql_orders import (
    CapturedOrderNode,
    captured_order_node,
    captured_orders_by_ids,
)
from backend.field.graphql_payloads import (
    BeatPayload,
    CapturedOrderPayload,
    CascadeGoalPayload,
    FieldSettingsPayload,
    GoalPayload,
    PjpChangePayload,
    RepPayload,
    SyncFieldActivityPayload,
    VisitPayload,
)
from backend.field.graphql_queries import FieldSettings
from backend.field.graphql_sync import sync_entries
from backend.field.graphql_types import (
    BeatNode,
    PjpChangeNode,
    RepNode,
    SyncItemOutcome,
    VisitNode,
    beat_node,
    outcome_node,
    pjp_change_node,
    rep_node,
    visit_node,
)
from backend.field.repository import visits_by_ids
from backend.field.visit_models import CapturedOrder, Visit
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.kit.ids import decode_global_id, decode_typed_id

OWNER_TYPES = {
    "Territory": GoalOwner.TERRITORY,
    "Rep": GoalOwner.REP,
    "Distributor": GoalOwner.DISTRIBUTOR,
}


def _owner(owner_id: strawberry.ID) -> tuple[GoalOwner, uuid.UUID]:
    type_name, local_id = decode_global_id(owner_id, field="input.ownerId")
    if type_name not in OWNER_TYPES:
        raise ValidationFailed("give a Territory, Rep or Distributor id", field="input.ownerId")
    return OWNER_TYPES[type_name], local_id


async def _check_in(
    info: strawberry.Info[Context, None], principal: Principal, data: CheckInVisitInput
) -> Visit:
    session = info.context.session
    rep = await visits.acting_rep(session, principal)
    check = visits.CheckIn(
        data.visit_id,
        decode_typed_id(data.retailer_id, "Retailer", field="input.retailerId"),
        data.position.latitude,
        data.position.longitude,
        data.accuracy_m,
        data.at,
    )

    async def create() -> uuid.UUID:
        return (await visits.check_in(session, principal=principal, rep=rep, data=check)).id

    visit_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=f"visit:{data.visit_id}",
        operation="checkInVisit",
        payload=asdict(check),
        create=create,
    )
    found = await visits_by_ids(session, principal, [visit_id])
    if not found:
        raise NotFound("no such visit", field="input.visitId")
    return found[0]


async def _capture(
    info: strawberry.Info[Context, None], principal: Principal, data: CaptureVisitOrderInput
) -> CapturedOrder:
    session = info.context.session
    rep = await visits.acting_rep(session, principal)
    lines = sku_lines(data.lines, "input.lines")

    async def create() -> uuid.UUID:
        captured = await visits.capture_order(
            session,
            principal=principal,
            rep=rep,
            order_id=data.order_id,
            visit_id=data.visit_id,
            lines=lines,
            at=data.at,
        )
        return captured.order.id

    payload = {"visit": data.visit_id, "at": data.at, "lines": sorted(lines.items())}
    order_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=f"order:{data.order_id}",
        operation="captureVisitOrder",
        payload=payload,
        create=create,
    )
    found = await captured_orders_by_ids(session, principal, [order_id])
    if not found:
        raise NotFound("no such order", field="input.orderId")
    return found[0]


@strawberry.type
class FieldMutation:
    @strawberry.mutation(description="Create or replace a REP user's rep profile (ADMIN, MANAGER).")
    async def save_rep(
        self, info: strawberry.Info[Context, None], input: SaveRepInput
    ) -> RepPayload:
        async def work(principal: Principal) -> RepNode:
            row = await reps.save_rep(
                info.context.session, principal=principal, profile=rep_profile(input)
            )
            return rep_node(row)

        node, errors = await run_mutation(info.context, work)
        return RepPayload(rep=node, errors=errors)

    @strawberry.mutation(
        description="Create a beat from outlets in visiting order (ADMIN, MANAGER)."
    )
    async def create_beat(
        self, info: strawberry.Info[Context, None], input: CreateBeatInput
    ) -> BeatPayload:
        async def work(principal: Principal) -> BeatNode:
            row = await reps.create_beat(
                info.context.session,
                principal=principal,
                rep_id=decode_typed_id(input.rep_id, "Rep", field="input.repId"),
                code=input.code,
                name=input.name,
                retailer_ids=[
                    decode_typed_id(r, "Retailer", field=f"input.retailerIds[{i}]")
                    for i, r in enumerate(input.retailer_ids)
                ],
                idempotency_key=input.idempotency_key,
            )
            return beat_node(row)

        node, errors = await run_mutation(info.context, work)
        return BeatPayload(beat=node, errors=errors)

    @strawberry.mutation(description="Propose a rep's new PJP from a date; a manager decides.")
    async def propose_pjp_change(
        self, info: strawberry.Info[Context, None], input: ProposePjpChangeInput
    ) -> PjpChangePayload:
        async def work(principal: Principal) -> PjpChangeNode:
            row = await pjp.propose_pjp_change(
                info.context.session,
                principal=principal,
                rep_id=decode_typed_id(input.rep_id, "Rep", field="input.repId"),
                effective_from=input.effective_from,
                lines=pjp_lines(input.lines),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            )
            return pjp_change_node(row)

        node, errors = await run_mutation(info.context, work)
        return PjpChangePayload(change=node, errors=errors)

    @strawberry.mutation(description="Approve or reject a proposed PJP change (ADMIN, MANAGER).")
    async def decide_pjp_change(
        self, info: strawberry.Info[Context, None], input: DecidePjpChangeInput
    ) -> PjpChangePayload:
        async def work(principal: Principal) -> PjpChangeNode:
            row = await pjp.decide_pjp_change(
                info.context.session,
                principal=principal,
                change_id=decode_typed_id(input.id, "PjpChange", field="input.id"),
                approve=input.approve,
                note=input.note,
            )
            return pjp_change_node(row)

        node, errors = await run_mutation(info.context, work)
        return PjpChangePayload(change=node, errors=errors)

    @strawberry.mutation(
        description="Check in at an outlet (REP); a retry with the same visitId returns it."
    )
    async def check_in_visit(
        self, info: strawberry.Info[Context, None], input: CheckInVisitInput
    ) -> VisitPayload:
        async def work(principal: Principal) -> VisitNode:
            return visit_node(await _check_in(info, principal, input))

        node, errors = await run_mutation(info.context, work)
        return VisitPayload(visit=node, errors=errors)

    @strawberry.mutation(description="Check out of a visit with its outcome (REP).")
    async def check_out_visit(
        self, info: strawberry.Info[Context, None], input: CheckOutVisitInput
    ) -> VisitPayload:
        async def work(principal: Principal) -> VisitNode:
            session = info.context.session
            rep = await visits.acting_rep(session, principal)
            data = visits.CheckOut(
                input.visit_id,
                input.at,
                input.outcome,
                input.no_order_reason,
                tuple(input.photo_refs),
            )
            return visit_node(await visits.check_out(session, rep=rep, data=data))

        node, errors = await run_mutation(info.context, work)
        return VisitPayload(visit=node, errors=errors)

    @strawberry.mutation(
        description="Capture the order of an open visit (REP); retries reuse orderId."
    )
    async def capture_visit_order(
        self, info: strawberry.Info[Context, None], input: CaptureVisitOrderInput
    ) -> CapturedOrderPayload:
        async def work(principal: Principal) -> CapturedOrderNode:
            return captured_order_node(await _capture(info, principal, input))

        node, errors = await run_mutation(info.context, work)
        return CapturedOrderPayload(order=node, errors=errors)

    @strawberry.mutation(
        description="Apply a device's offline items exactly once (REP; identity from the token)."
    )
    async def sync_field_activity(
        self, info: strawberry.Info[Context, None], input: SyncFieldActivityInput
    ) -> SyncFieldActivityPayload:
        async def work(principal: Principal) -> list[SyncItemOutcome]:
            outcomes = await sync.sync_field_activity(
                info.context.session,
                principal=principal,
                device_code=input.device_id,
                entries=sync_entries(input.items),
            )
            return [outcome_node(o) for o in outcomes]

        nodes, errors = await run_mutation(info.context, work)
        return SyncFieldActivityPayload(outcomes=nodes or [], errors=errors)

    @strawberry.mutation(description="Set the tenant's geofence radius and outside policy (ADMIN).")
    async def set_field_settings(
        self, info: strawberry.Info[Context, None], input: SetFieldSettingsInput
    ) -> FieldSettingsPayload:
        async def work(principal: Principal) -> FieldSettings:
            rules = reps.FieldRules(input.geofence_radius_m, input.outside_geofence)
            saved = await reps.set_field_rules(
                info.context.session, principal=principal, rules=rules
            )
            return FieldSettings(
                geofence_radius_m=saved.geofence_radius_m, outside_geofence=saved.outside_geofence
            )

        settings, errors = await run_mutation(info.context, work)
        return FieldSettingsPayload(settings=settings, errors=errors)

    @strawberry.mutation(
        description="Set a goal for a territory, rep or distributor (ADMIN, MANAGER)."
    )
    async def set_goal(
        self, info: strawberry.Info[Context, None], input: SetGoalInput
    ) -> GoalPayload:
        async def work(principal: Principal) -> GoalNode:
            owner, owner_id = _owner(input.owner_id)
            draft = goals.GoalDraft(
                owner,
                owner_id,
                input.metric,
                input.subject,
                input.period_start,
                input.period_end,
                input.target,
            )
            row = await goals.set_goal(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )
            return goal_node(row)

        node, errors = await run_mutation(info.context, work)
        return GoalPayload(goal=node, errors=errors)

    @strawberry.mutation(
        description="Cascade a territory goal to its reps by share (ADMIN, MANAGER)."
    )
    async def cascade_goal(
        self, info: strawberry.Info[Context, None], input: CascadeGoalInput
    ) -> CascadeGoalPayload:
        async def work(principal: Principal) -> list[Goal]:
            shares = [
                (decode_typed_id(s.rep_id, "Rep", field=f"input.shares[{i}].repId"), s.share)
                for i, s in enumerate(input.shares)
            ]
            goal_id = decode_typed_id(input.goal_id, "Goal", field="input.goalId")
            return await goals.cascade_goal(
                info.context.session,
                principal=principal,
                goal_id=goal_id,
                shares=shares,
                idempotency_key=input.idempotency_key,
            )

        rows, errors = await run_mutation(info.context, work)
        return CascadeGoalPayload(goals=[goal_node(r) for r in rows or []], errors=errors)
