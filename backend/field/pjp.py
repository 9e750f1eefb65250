"""PJP changes: a proposal replaces a rep's journey plan from a date once a manager approves it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.calendar import PjpLine, RepPjp, beat_for
from backend.field.errors import PjpChangeNotPending
from backend.field.models import Beat, PjpChange, PjpChangeStatus, PjpEntry, VisitFrequency
from backend.field.repository import (
    beats_by_ids,
    open_pjp_entries,
    pjp_changes_by_ids,
    pjp_entries_of,
    reps_by_ids,
)
from backend.identity.models import Role
from backend.identity.repository import current_tenant
from backend.kit.db import new_id
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks

MAX_PJP_LINES = 60
PJP_IN_THE_PAST = "PJP_CHANGE_IN_THE_PAST"


async def tenant_today(session: AsyncSession) -> date:
    """Today's date in the tenant's time zone."""
    tenant = await current_tenant(session)
    assert tenant is not None
    return datetime.now(ZoneInfo(tenant.timezone)).date()


@dataclass(frozen=True)
class PjpLineDraft:
    """A proposed PJP line."""

    beat_id: uuid.UUID
    weekday: int
    frequency: VisitFrequency
    week_parity: int | None = None
    week_of_month: int | None = None


async def propose_pjp_change(
    session: AsyncSession,
    *,
    principal: Principal,
    rep_id: uuid.UUID,
    effective_from: date,
    lines: Sequence[PjpLineDraft],
    reason: str,
    idempotency_key: str | None,
) -> PjpChange:
    """Propose a rep's new PJP from a date (the rep itself, its manager, or ADMIN)."""
    principal.require(Role.ADMIN, Role.MANAGER, Role.REP)

    async def create() -> uuid.UUID:
        await _check_lines(session, principal, rep_id, effective_from, lines, reason)
        change = PjpChange(
            id=new_id(),
            tenant_id=principal.tenant_id,
            rep_id=rep_id,
            effective_from=effective_from,
            entries=[_line_json(line) for line in lines],
            reason=reason,
            status=PjpChangeStatus.PROPOSED,
            proposed_by_id=principal.user_id,
        )
        session.add(change)
        await session.flush()
        return change.id

    change_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="proposePjpChange",
        payload={"rep": rep_id, "from": effective_from, "lines": [asdict(x) for x in lines]},
        create=create,
    )
    found = await pjp_changes_by_ids(session, principal, [change_id])
    if not found:
        raise NotFound("no such PJP change", field="input.idempotencyKey")
    return found[0]


def _line_json(line: PjpLineDraft) -> dict[str, object]:
    return {**asdict(line), "beat_id": str(line.beat_id), "frequency": line.frequency.value}


async def _check_lines(
    session: AsyncSession,
    principal: Principal,
    rep_id: uuid.UUID,
    effective_from: date,
    lines: Sequence[PjpLineDraft],
    reason: str,
) -> None:
    if not await reps_by_ids(session, principal, [rep_id]):
        raise NotFound("no such rep", field="input.repId")
    checks = Checks()
    if effective_from < await tenant_today(session):
        checks.fail("input.effectiveFrom", "must be today or later", code=PJP_IN_THE_PAST)
    checks.text("input.reason", reason, max_length=400, required=False)
    if len(lines) > MAX_PJP_LINES:
        checks.fail("input.lines", f"at most {MAX_PJP_LINES} lines")
    for i, line in enumerate(lines):
        _check_line(checks, f"input.lines[{i}]", line)
    beats = await beats_by_ids(session, principal, list({line.beat_id for line in lines}))
    own = {b.id for b in beats if b.rep_id == rep_id}
    for i, line in enumerate(lines):
        if line.beat_id not in own:
            checks.fail(f"input.lines[{i}].beatId", "not a beat of this rep", code="NOT_FOUND")
    checks.raise_if_any()


def _check_line(checks: Checks, where: str, line: PjpLineDraft) -> None:
    if not 0 <= line.weekday <= 6:
        checks.fail(f"{where}.weekday", "must be 0 (Monday) to 6 (Sunday)")
    fortnightly = line.frequency is VisitFrequency.FORTNIGHTLY
    if fortnightly != (line.week_parity is not None) or line.week_parity not in (None, 0, 1):
        checks.fail(f"{where}.weekParity", "give 0 or 1 for a fortnightly line, nothing otherwise")
    monthly = line.frequency is VisitFrequency.MONTHLY
    valid_week = line.week_of_month is None or 1 <= line.week_of_month <= 5
    if monthly != (line.week_of_month is not None) or not valid_week:
        checks.fail(f"{where}.weekOfMonth", "give 1 to 5 for a monthly line, nothing otherwise")


async def decide_pjp_change(
    session: AsyncSession,
    *,
    principal: Principal,
    change_id: uuid.UUID,
    approve: bool,
    note: str | None,
) -> PjpChange:
    """Approve (the new lines replace the old from its date) or reject a proposed PJP change."""
    principal.require(Role.ADMIN, Role.MANAGER)
    found = await pjp_changes_by_ids(session, principal, [change_id])
    if not found:
        raise NotFound("no such PJP change", field="input.id")
    change = (
        await session.execute(select(PjpChange).where(PjpChange.id == change_id).with_for_update())
    ).scalar_one()
    if change.status is not PjpChangeStatus.PROPOSED:
        raise PjpChangeNotPending("this change was already decided", field="input.id")
    if approve and change.effective_from < await tenant_today(session):
        # Approving it now would rewrite days already worked: the history must stay as it was.
        raise ValidationFailed(
            "the change's start date has passed; propose it again",
            field="input.id",
            code=PJP_IN_THE_PAST,
        )
    if approve:
        await _replace_lines(session, change)
    change.status = PjpChangeStatus.APPROVED if approve else PjpChangeStatus.REJECTED
    change.decided_by_id = principal.user_id
    change.decided_at = datetime.now(UTC)
    change.decision_note = note
    await session.flush()
    return change


async def _replace_lines(session: AsyncSession, change: PjpChange) -> None:
    # Lines that would have started on or after the change never applied: drop them; lines
    # running at that date end the day before, so the history of what applied stays readable.
    for entry in await open_pjp_entries(session, change.rep_id, change.effective_from):
        if entry.valid_from >= change.effective_from:
            await session.execute(delete(PjpEntry).where(PjpEntry.id == entry.id))
        else:
            entry.valid_to = change.effective_from - timedelta(days=1)
    session.add_all(
        PjpEntry(
            id=new_id(),
            tenant_id=change.tenant_id,
            rep_id=change.rep_id,
            beat_id=uuid.UUID(str(line["beat_id"])),
            weekday=line["weekday"],
            frequency=VisitFrequency(line["frequency"]),
            week_parity=line["week_parity"],
            week_of_month=line["week_of_month"],
            valid_from=change.effective_from,
            change_id=change.id,
        )
        for line in change.entries
    )
    await session.flush()


def calendar_of(rep_id: uuid.UUID, entries: Sequence[PjpEntry]) -> RepPjp:
    """The pure PJP calendar of a rep from its stored lines."""
    return RepPjp(
        rep_id=rep_id,
        lines=tuple(
            PjpLine(
                beat_id=e.beat_id,
                weekday=e.weekday,
                frequency=e.frequency,
                valid_from=e.valid_from,
                valid_to=e.valid_to,
                week_parity=e.week_parity,
                week_of_month=e.week_of_month,
            )
            for e in entries
            if e.rep_id == rep_id
        ),
    )


async def beats_on(
    session: AsyncSession, *, principal: Principal, rep_id: uuid.UUID, on: date
) -> list[Beat]:
    """The beats a visible rep works on a date according to its PJP."""
    if not await reps_by_ids(session, principal, [rep_id]):
        raise NotFound("no such rep", field="repId")
    beat_ids = beat_for(calendar_of(rep_id, await pjp_entries_of(session, [rep_id])), on)
    beats = {b.id: b for b in await beats_by_ids(session, principal, list(beat_ids))}
    return [beats[i] for i in beat_ids if i in beats]
