"""Community activities logged by hand: pending until a coordinator verifies them (in bulk) or
the served resident confirms with the last four digits of their ID number."""

from __future__ import annotations

from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.scoping import WRITE_ROLES, not_found
from carehub.careplans.clock import local_today
from carehub.common.schema import load
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.registry.models import Resident, Volunteer
from carehub.timebank import errors, flows
from carehub.timebank import schemas as s
from carehub.timebank.models import Activity


def log_activity(actor, payload: dict) -> Activity:
    """A volunteer logs their own activity; a coordinator may log one for a volunteer."""
    data = load(s.ActivityIn(), payload)
    volunteer = _volunteer_for(actor, data.get("volunteer_id"))
    if data["activity_date"] > local_today():
        raise errors.invalid("activity_date", "future_date", errors.future())
    if data.get("resident_id") and db.session.get(Resident, data["resident_id"]) is None:
        raise not_found("resident", data["resident_id"])
    with flows.unit():
        activity = Activity(
            volunteer_id=volunteer.id, station_id=volunteer.station_id,
            resident_id=data.get("resident_id"), activity_date=data["activity_date"],
            minutes=data["minutes"], service_code=data.get("service_code"),
            description=data["description"], state="pending",
        )  # fmt: skip
        db.session.add(activity)
        db.session.flush()
        record(actor, "log", "timebank_activity", activity.id, volunteer.station_id,
               {"minutes": activity.minutes, "date": activity.activity_date})  # fmt: skip
    return activity


def list_activities(actor, state: str | None = "pending") -> list[Activity]:
    query = select(Activity).order_by(Activity.activity_date, Activity.id)
    if actor.role == "volunteer":
        query = query.where(Activity.volunteer_id == (actor.volunteer_id or -1))
    elif actor.role in {"admin", "auditor"}:
        pass
    elif actor.role == "coordinator":
        query = query.where(Activity.station_id.in_(actor.station_ids or {-1}))
    else:
        raise errors.no_reader()
    if state:
        query = query.where(Activity.state == state)
    return list(db.session.scalars(query.limit(500)))


def decide(actor, payload: dict) -> dict:
    """Verify (credit) or reject pending activities of the coordinator's stations, in bulk."""
    if actor.role not in WRITE_ROLES:
        raise errors.read_only()
    data = load(s.DecideIn(), payload)
    wanted = set(data["activity_ids"])
    visible = {a.id: a for a in list_activities(actor, None) if a.id in wanted}
    decided = credited = 0
    with flows.unit():
        for activity_id in sorted(wanted):
            activity = visible.get(activity_id)
            if activity is None:
                raise errors.missing("activity", activity_id)
            if activity.state != "pending":
                continue
            credited += _decide(actor, activity, data["decision"], "coordinator")
            decided += 1
    return {"decided": decided, "credited_minutes": credited}


def confirm(actor, activity_id: int, payload: dict) -> Activity:
    """The served resident confirms on the volunteer's phone."""
    data = load(s.ConfirmIn(), payload)
    activity = next((a for a in list_activities(actor, None) if a.id == activity_id), None)
    if activity is None:
        raise errors.missing("activity", activity_id)
    if activity.state != "pending":
        raise errors.not_pending("activity_id")
    resident = db.session.get(Resident, activity.resident_id) if activity.resident_id else None
    if resident is None or resident.id_number_masked[-4:].upper() != data["pin"].upper():
        raise errors.wrong_pin("pin")
    with flows.unit():
        _decide(actor, activity, "verify", "resident")
    return activity


def _decide(actor, activity: Activity, decision: str, by: str) -> int:
    activity.state = "verified" if decision == "verify" else "rejected"
    activity.confirmed_by, activity.decided_by_id, activity.decided_at = by, actor.id, utcnow()
    record(actor, decision, "timebank_activity", activity.id, activity.station_id, {"by": by})
    if decision != "verify":
        return 0
    volunteer = db.session.get(Volunteer, activity.volunteer_id)
    posted = flows.credit(actor, volunteer, activity.minutes, activity.service_code,
                          activity.activity_date, activity.station_id,
                          activity_id=activity.id)  # fmt: skip
    return -next(e.minutes for e in posted.entries if e.account.kind == "issuer") if posted else 0


def _volunteer_for(actor, volunteer_id: int | None) -> Volunteer:
    if actor.role == "volunteer":
        volunteer = db.session.get(Volunteer, actor.volunteer_id) if actor.volunteer_id else None
        if volunteer is None:
            raise errors.no_volunteer()
        return volunteer
    if actor.role not in WRITE_ROLES:
        raise errors.read_only()
    volunteer = db.session.get(Volunteer, volunteer_id) if volunteer_id else None
    if volunteer is None or not (actor.district_wide or volunteer.station_id in actor.station_ids):
        raise not_found("volunteer", volunteer_id or 0)
    return volunteer
