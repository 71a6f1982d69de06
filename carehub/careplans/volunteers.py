"""What a volunteer offers: weekly availability and the volunteer-suitable services.

The volunteer edits it on the phone page; the station's coordinator may edit it too.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import not_found
from carehub.careplans import errors
from carehub.careplans.models import VOLUNTEER_SERVICES, VolunteerAvailability, VolunteerService
from carehub.careplans.schemas import OfferIn
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.models import Volunteer
from carehub.registry.services.staff import get_volunteer


def _volunteer(actor: User, volunteer_id: int, write: bool) -> Volunteer:
    """The volunteer themself, or a coordinator/admin (reading also an auditor) of the station."""
    if actor.role == "volunteer":
        if actor.volunteer_id != volunteer_id:
            raise not_found("volunteer", volunteer_id)
        return db.session.get(Volunteer, volunteer_id)
    if write:
        from carehub.auth.scoping import require_write

        require_write(actor)
    return get_volunteer(actor, volunteer_id)


def get_offer(actor: User, volunteer_id: int) -> dict:
    volunteer = _volunteer(actor, volunteer_id, write=False)
    return _offer(volunteer.id)


def _offer(volunteer_id: int) -> dict:
    slots = db.session.scalars(
        select(VolunteerAvailability)
        .where(VolunteerAvailability.volunteer_id == volunteer_id)
        .order_by(VolunteerAvailability.weekday, VolunteerAvailability.start)
    )
    services = db.session.scalars(
        select(VolunteerService.service_code)
        .where(VolunteerService.volunteer_id == volunteer_id)
        .order_by(VolunteerService.service_code)
    )
    return {"volunteer_id": volunteer_id, "availability": list(slots), "services": list(services)}


def set_offer(actor: User, volunteer_id: int, payload: dict) -> dict:
    """Replace the volunteer's availability and services with what was sent."""
    volunteer = _volunteer(actor, volunteer_id, write=True)
    data = load(OfferIn(), payload)
    for n, code in enumerate(data["services"]):
        if code not in VOLUNTEER_SERVICES:
            raise errors.not_volunteer_service(f"services.{n}")
    slots = sorted(data["availability"], key=lambda s: (s["weekday"], s["start"]))
    for n, (a, b) in enumerate(zip(slots, slots[1:], strict=False)):
        if a["weekday"] == b["weekday"] and b["start"] < a["end"]:
            raise errors.invalid(
                f"availability.{n + 1}", "windows_overlap", errors.windows_overlap()
            )
    with atomic():
        db.session.execute(delete(VolunteerAvailability).where(
            VolunteerAvailability.volunteer_id == volunteer.id))  # fmt: skip
        db.session.execute(delete(VolunteerService).where(
            VolunteerService.volunteer_id == volunteer.id))  # fmt: skip
        db.session.add_all(VolunteerAvailability(volunteer_id=volunteer.id, **s) for s in slots)
        db.session.add_all(VolunteerService(volunteer_id=volunteer.id, service_code=c)
                           for c in sorted(set(data["services"])))  # fmt: skip
        record(actor, "offer", "volunteer", volunteer.id, volunteer.station_id,
               {"services": sorted(set(data["services"])),
                "availability": [f"{s['weekday']} {s['start']:%H:%M}-{s['end']:%H:%M}" for s in slots]})  # fmt: skip
    return _offer(volunteer.id)
