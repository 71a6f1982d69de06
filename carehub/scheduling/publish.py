"""Publishing a draft: it becomes the station-day's plan, its assignments the visits' carers.

Visits it assigns become ``scheduled`` (their ``visit_carers`` rows replaced); scheduled visits
it no longer assigns go back to ``planned``; visits already started are left as they are. Every
carer whose route changed gets a ``route_changed`` notice. The station row is locked first, so
two coordinators publishing the same day run one after the other, and the second finds its
draft no longer current only if the first superseded it (drafts stay publishable).
"""

from __future__ import annotations

from sqlalchemy import select

from carehub.audit.services import record
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.notices.services import post
from carehub.registry.models import Station
from carehub.scheduling.models import SchedulePlan
from carehub.visits.models import Visit, VisitCarer
from carehub.visits.states import transition

Seat = tuple[int, int]  # (visit id, seat)


def _carer_of(row) -> tuple[str, int]:
    if row.caregiver_id is not None:
        return ("caregiver", row.caregiver_id)
    return ("volunteer", row.volunteer_id)


def _routes(rows) -> dict[tuple[str, int], set]:
    out: dict[tuple[str, int], set] = {}
    for row in rows:
        out.setdefault(_carer_of(row), set()).add((row.visit_id, row.seat, row.planned_start))
    return out


def publish_plan(actor, plan: SchedulePlan) -> dict:
    """Make ``plan`` (a draft, locked by the caller) the published plan of its station-day."""
    db.session.execute(select(Station.id).where(Station.id == plan.station_id).with_for_update())
    day_visits = list(db.session.scalars(select(Visit).where(
        Visit.station_id == plan.station_id, Visit.visit_date == plan.day)))  # fmt: skip
    by_id = {v.id: v for v in day_visits}
    before = _routes(r for v in day_visits for r in v.carers_on)
    wanted: dict[int, list] = {}
    for a in plan.assignments:
        wanted.setdefault(a.visit_id, []).append(a)
    counts = {"scheduled": 0, "unscheduled": 0}
    for visit in day_visits:
        if visit.state not in ("planned", "scheduled"):
            continue
        rows = wanted.get(visit.id)
        if rows:
            _assign(actor, visit, rows, counts)
        elif visit.state == "scheduled":
            visit.carers_on.clear()
            transition(actor, visit, "planned", "unassigned by a new plan")
            counts["unscheduled"] += 1
    db.session.flush()
    after = _routes(r for v in day_visits for r in v.carers_on)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    for kind, carer_id in changed:
        post(plan.station_id, "route_changed", {"day": plan.day.isoformat()},
             **{f"{kind}_id": carer_id})  # fmt: skip
    _supersede(plan)
    plan.state, plan.published_at = "published", utcnow()
    plan.published_by = getattr(actor, "username", "system")
    summary = {**counts, "notified": len(changed), "visits": len(by_id)}
    record(actor, "publish", "schedule_plan", plan.id, plan.station_id,
           {"day": plan.day.isoformat(), "number": plan.number, **summary})  # fmt: skip
    db.session.flush()
    return summary


def _assign(actor, visit: Visit, rows: list, counts: dict) -> None:
    current = {(r.seat, r.caregiver_id, r.volunteer_id, r.planned_start, r.planned_end)
               for r in visit.carers_on}  # fmt: skip
    new = {(a.seat, a.caregiver_id, a.volunteer_id, a.planned_start, a.planned_end) for a in rows}
    if current != new:
        visit.carers_on.clear()
        db.session.flush()
        for seat, caregiver_id, volunteer_id, start, end in sorted(new, key=lambda r: r[0]):
            visit.carers_on.append(VisitCarer(seat=seat, caregiver_id=caregiver_id,
                                              volunteer_id=volunteer_id, planned_start=start,
                                              planned_end=end))  # fmt: skip
    if visit.state == "planned":
        transition(actor, visit, "scheduled", "published plan")
        counts["scheduled"] += 1


def _supersede(plan: SchedulePlan) -> None:
    for old in db.session.scalars(select(SchedulePlan).where(
            SchedulePlan.station_id == plan.station_id, SchedulePlan.day == plan.day,
            SchedulePlan.state == "published", SchedulePlan.id != plan.id)):  # fmt: skip
        old.state = "superseded"


def compare(a: SchedulePlan, b: SchedulePlan) -> dict:
    """What changed from plan ``a`` to plan ``b``: visits moved (other carers or another start),
    added (served in b only) and dropped (served in a only)."""
    old, new = _seats(a), _seats(b)
    moved = [{"visit_id": v, "from": old[v], "to": new[v]}
             for v in sorted(set(old) & set(new)) if old[v] != new[v]]  # fmt: skip
    added = [{"visit_id": v, "to": new[v]} for v in sorted(set(new) - set(old))]
    dropped = [{"visit_id": v, "from": old[v]} for v in sorted(set(old) - set(new))]
    same = len(set(old) & set(new)) - len(moved)
    return {"from_plan": a.id, "to_plan": b.id, "moved": moved, "added": added,
            "dropped": dropped, "unchanged": same}  # fmt: skip


def _seats(plan: SchedulePlan) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for row in sorted(plan.assignments, key=lambda r: r.seat):
        kind, carer_id = _carer_of(row)
        entry = out.setdefault(row.visit_id, {"carers": [], "start": row.planned_start})
        entry["carers"].append({"kind": kind, "id": carer_id})
        entry["start"] = min(entry["start"], row.planned_start)
    return out
