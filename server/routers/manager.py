"""The manager's phone: open cases (判客) with the engine's recommendation and both sides' evidence, decided
with a reason; open warnings with the next steps the workflow allows; today's board. Reads are the console's
(service/queries), writes the Desk's (decide_case, update_warning), so the same roles are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from db.text_rules import TEXT_MAX
from server.errors import ApiError
from server.params import Id
from server.sessions import current_desk
from service import appeals, blacklist_admin, reception
from service.desk import MIN_NOTE, MIN_REASON, WARNING_STEPS, Desk
from service.queries import cases as case_queries
from service.queries import today as today_queries
from service.queries import warnings as warning_queries

router = APIRouter(prefix="/api", tags=["manager"])
PAGE = 50  # a phone lists this many; the console pages through the rest


class CaseOut(BaseModel):
    id: int
    kind: str
    opened_at: datetime
    customer: int
    phone_masked: str
    surname_shown: str | None
    claimant: str | None  # None: a check-in that named nobody (the rotation's visitor)
    recommended: str
    rule: str
    status: str
    verdict: str | None
    decided_by: str | None


class EvidenceOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    actor: str
    consultant: str | None
    named: str | None
    channel: str | None
    agent: str | None
    stage: str | None
    verified: bool | None
    note: str


class DecisionOut(BaseModel):
    at: datetime
    by: str
    verdict: str
    reason: str


class CaseDetailOut(BaseModel):
    case: CaseOut
    claimant_side: list[EvidenceOut]
    recommended_side: list[EvidenceOut]
    shared: list[EvidenceOut]
    rule_value: Any
    owner_now: str
    choices: list[str]  # the recommendation first
    min_reason: int  # characters a verdict against the recommendation needs
    decision: DecisionOut | None
    photos: list[str]  # photos of evidence given with the case's appeals: GET /api/evidence/{ref}


class DecisionIn(BaseModel):
    verdict: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")  # a name: one plain line
    reason: str = Field(default="", max_length=TEXT_MAX)


class WarningOut(BaseModel):
    id: int
    kind: str
    at: datetime
    customer: int | None
    phone_masked: str
    surname_shown: str | None
    owner: str | None
    channel: str | None
    agent: str | None
    status: str
    rule: str
    steps: list[str]  # the next steps this user may take
    blacklist_targets: list[str]  # with 拉黑: customer_id, agent, channel (those the warning has)


class StepIn(BaseModel):
    status: str = Field(min_length=1, max_length=32, pattern=r"^[a-z]+$")
    note: str = Field(min_length=1, max_length=TEXT_MAX)
    target: Literal["customer_id", "agent", "channel"] | None = None  # with 拉黑: who goes on the blacklist


class WarningsOut(BaseModel):
    rows: list[WarningOut]
    min_note: int


class StaysOut(BaseModel):
    consultant: str
    stays: int
    average_seconds: int | None
    open: int


class BoardOut(BaseModel):
    visits: int
    first_visits: int
    waiting: int
    receiving: int
    open_cases: int
    active_warnings: int
    stays: list[StaysOut]
    rotation: list[dict[str, Any]]


class Written(BaseModel):
    seq: int


def _case(r: case_queries.CaseRow) -> CaseOut:
    return CaseOut(id=r.id, kind=r.kind, opened_at=r.opened_at, customer=r.customer_id, phone_masked=r.phone,
                   surname_shown=r.surname, claimant=r.claimant, recommended=r.recommended, rule=r.rule,
                   status=r.status, verdict=r.verdict, decided_by=r.decided_by)


def _evidence(items: tuple[case_queries.Evidence, ...]) -> list[EvidenceOut]:
    return [EvidenceOut(seq=e.seq, at=e.at, kind=e.kind, actor=e.actor, consultant=e.consultant, named=e.named,
                        channel=e.channel, agent=e.agent, stage=e.stage, verified=e.verified, note=e.note)
            for e in items]


@router.get("/cases", response_model=list[CaseOut], tags=["cases"])
def open_cases(desk: Desk = Depends(current_desk)) -> list[CaseOut]:  # noqa: B008
    """Open cases, oldest first (the manager's queue); a consultant sees only their own."""
    return [_case(r) for r in case_queries.list_cases(desk, case_queries.OPEN, 0, PAGE)]


@router.get("/cases/{case_id}", response_model=CaseDetailOut, tags=["cases"])
def one_case(case_id: Id, desk: Desk = Depends(current_desk)) -> CaseDetailOut:  # noqa: B008
    try:
        found = case_queries.case_detail(desk, case_id)
    except LookupError as error:
        raise ApiError(404, "not_found", str(error)) from error
    d = found.decision
    return CaseDetailOut(
        case=_case(found.case), claimant_side=_evidence(found.claimant_side),
        recommended_side=_evidence(found.recommended_side), shared=_evidence(found.shared),
        rule_value=found.rule_value, owner_now=found.owner_now, choices=list(found.choices), min_reason=MIN_REASON,
        decision=None if d is None else DecisionOut(at=d.at, by=d.by, verdict=d.verdict, reason=d.reason),
        photos=appeals.evidence_photos(desk.store, [e.seq for e in (*found.claimant_side, *found.recommended_side,
                                                                    *found.shared) if e.kind == appeals.APPEAL]))


@router.post("/cases/{case_id}/decision", response_model=Written, tags=["cases"])
def decide(case_id: Id, body: DecisionIn, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    """A second decision is refused by the engine, naming who decided (409, in words)."""
    return Written(seq=desk.decide_case(case_id, body.verdict, body.reason).seq)


def _steps(desk: Desk, status: str) -> list[str]:
    allowed = WARNING_STEPS.get(status, ())
    return [s for s in allowed if desk.can("warnings.follow_up" if s == "following" else "warnings.decide")]


@router.get("/warnings", response_model=WarningsOut, tags=["warnings"])
def open_warnings(desk: Desk = Depends(current_desk)) -> WarningsOut:  # noqa: B008
    """Warnings still being worked through, newest first; a consultant's: about their own customers."""
    desk.require("warnings.view")
    flt = warning_queries.WarningFilter(status="active", consultant=desk.consultant)
    rows = warning_queries.list_warnings(desk.store, flt, 0, PAGE)
    return WarningsOut(min_note=MIN_NOTE, rows=[WarningOut(
        id=w.id, kind=w.kind, at=w.at, customer=w.customer_id, phone_masked=w.phone, surname_shown=w.surname,
        owner=w.owner, channel=w.channel, agent=w.agent, status=w.status, rule=w.rule,
        steps=_steps(desk, w.status),
        blacklist_targets=list(blacklist_admin.warning_targets(w.customer_id, w.agent, w.channel))) for w in rows])


@router.post("/warnings/{warning_id}/steps", response_model=Written, tags=["warnings"])
def warning_step(warning_id: Id, body: StepIn, desk: Desk = Depends(current_desk)) -> Written:  # noqa: B008
    if body.status == "blacklisted":
        row = warning_queries.warning(desk.store, warning_id, desk.consultant)
        targets = {} if row is None else blacklist_admin.warning_targets(row.customer_id, row.agent, row.channel)
        if body.target is not None and body.target not in targets:
            raise ApiError(400, "no_such_target", f"此预警没有可拉黑的{body.target} / this warning has no {body.target}")
        target = None if body.target is None else targets[body.target]
        return Written(seq=blacklist_admin.blacklist_for_warning(desk, warning_id, body.note, target).seq)
    return Written(seq=desk.update_warning(warning_id, body.status, body.note).seq)


@router.get("/board", response_model=BoardOut, tags=["board"])
def board(desk: Desk = Depends(current_desk)) -> BoardOut:  # noqa: B008
    """Today's counts, receptions per consultant and the rotation: the console's 今日 in a few lines."""
    desk.require("today.view")
    store, mine = desk.store, desk.consultant
    day = today_queries.summary(store, mine)
    stays = [s for s in today_queries.stays_by_consultant(store, day.day.start, day.day.end)
             if mine is None or s.consultant == mine]
    open_cases = case_queries.case_counts(desk)[case_queries.OPEN] if desk.can("cases.view") else 0
    active = warning_queries.warning_counts(store, mine).active if desk.can("warnings.view") else 0
    return BoardOut(visits=day.visits, first_visits=day.first_visits, waiting=day.waiting, receiving=day.receiving,
                    open_cases=open_cases, active_warnings=active,
                    stays=[StaysOut(consultant=s.consultant, stays=s.stays, average_seconds=s.average_seconds,
                                    open=s.open) for s in stays],
                    rotation=[{"name": s.name, "busy": s.busy, "is_next": s.is_next}
                              for s in reception.rotation_board(store)])
