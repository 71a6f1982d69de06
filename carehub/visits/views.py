"""Pages of visit execution: the carer's day (phone), the coordinator's alerts, follow-up calls,
complaints and the station's quality. Thin: every read and write is the API's service call."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from carehub.careplans.clock import local_today
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.notices import services as notices
from carehub.registry.models import Station
from carehub.registry.views.common import actor, guarded
from carehub.ui import LABELS
from carehub.visits import (
    alerts,
    carer_day,
    complaints,
    execution,
    followups,
    quality,
    verification,
)
from carehub.visits.execution_models import COMPLAINT_CHANNELS

bp = Blueprint("execution", __name__)

LABELS.setdefault("checklist", {
    "meal_delivered": _l("Meal delivered"), "meal_warm": _l("Meal still warm"),
    "diet_respected": _l("Diet respected"), "rooms_cleaned": _l("Rooms cleaned"),
    "kitchen_cleaned": _l("Kitchen cleaned"), "rubbish_out": _l("Rubbish taken out"),
    "two_carers": _l("Bathed with two carers"),
    "water_temperature_checked": _l("Water temperature checked"),
    "skin_checked": _l("Skin checked"), "escorted_to_clinic": _l("Escorted to the clinic"),
    "medicine_checked": _l("Medicine checked"),
    "escorted_there_and_back": _l("Escorted there and back"),
    "situation_resolved": _l("Situation resolved"), "family_informed": _l("Family informed"),
    "talked_with_resident": _l("Talked with the resident"), "errand_done": _l("Errand done"),
    "receipt_given": _l("Receipt given"), "exercises_done": _l("Exercises done"),
    "activity_done": _l("Activity done"),
})  # fmt: skip
LABELS.setdefault("alert", {
    "not_started": _l("Not started"), "far": _l("Checked in far from home"),
    "inaccurate": _l("Position inaccurate"),
})  # fmt: skip
LABELS.setdefault("follow_up_reason", {
    "first_visit": _l("First visit"), "low_rating": _l("Low rating"), "alert": _l("Alert"),
    "sample": _l("Random sample"),
})  # fmt: skip
LABELS.setdefault("follow_up_outcome", {
    "confirmed": _l("Confirmed"), "not_confirmed": _l("Not confirmed"),
    "unreachable": _l("Unreachable"),
})  # fmt: skip
LABELS.setdefault("complaint_state", {
    "received": _l("Received"), "in_progress": _l("In progress"), "resolved": _l("Resolved"),
    "replied": _l("Replied"),
})  # fmt: skip
LABELS.setdefault("channel", {
    "phone": _l("Phone"), "visit": _l("In person"), "letter": _l("Letter"),
    "online": _l("Online"), "hotline_12345": _l("12345 hotline"),
})  # fmt: skip


@bp.app_template_filter("hhmm")
def hhmm(value) -> str:
    """A stored UTC time as the district's wall clock, hours and minutes."""
    return format_datetime(value, "HH:mm") if value else ""


@bp.app_context_processor
def _helpers() -> dict:
    return {"checklists": verification.CHECKLISTS}


def _form() -> dict:
    return {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip()}


def _refused(err: CareHubError) -> None:
    db.session.rollback()
    flash(err.message, "error")


@bp.get("/my-day")
@login_required
@guarded
def my_day():
    """Today's route on the carer's phone, unread notices first."""
    stops = carer_day.route(actor(), local_today())
    unread = notices.unread_for(actor())
    return render_template("visits/my_day.html", stops=stops, unread=unread, day=local_today(),
                           render_notice=notices.render)  # fmt: skip


@bp.get("/my-day/print")
@login_required
@guarded
def day_sheet():
    return render_template("visits/day_sheet.html", stops=carer_day.route(actor(), local_today()),
                           day=local_today())  # fmt: skip


@bp.post("/my-day/notices/read")
@login_required
def read_notices():
    ids = [int(i) for i in request.form.getlist("notice_id") if i.isdigit()]
    notices.mark_read(actor(), ids)
    return redirect(url_for("execution.my_day"))


@bp.post("/my-day/visits/<int:visit_id>/check-<any(in, out):kind>")
@login_required
def check(visit_id: int, kind: str):
    """The page's check-in/out (JSON from carer_day.js, live or from its offline queue)."""
    try:
        event = execution.check(actor(), visit_id, kind, request.get_json(silent=True) or {})
    except CareHubError as err:
        db.session.rollback()
        return jsonify(error=err.code, message=err.message), err.status
    return jsonify(state=event.visit.state, at=event.at.isoformat(), far=event.far,
                   offline=event.offline, distance_m=event.distance_m), 201  # fmt: skip


@bp.post("/my-day/visits/<int:visit_id>/confirm")
@login_required
@guarded
def confirm(visit_id: int):
    """The resident types the code from their card on the carer's phone."""
    body = {"method": "resident_code", "code": request.form.get("code", "").strip(),
            "checklist": {k[5:]: True for k in request.form if k.startswith("item-")},
            "notes": request.form.get("notes", "").strip()}  # fmt: skip
    try:
        verification.verify(actor(), visit_id, body)
        flash(_("Visit confirmed."), "success")
    except CareHubError as err:
        _refused(err)
    return redirect(url_for("execution.my_day"))


@bp.post("/my-day/calendar-link")
@login_required
@guarded
def calendar_link():
    """A new secret calendar link, shown once; the old one stops working."""
    token = carer_day.new_feed(actor())
    url = url_for("execution.calendar_feed", token=token, _external=True)
    return render_template("visits/calendar_link.html", url=url)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    body = carer_day.feed_ics(token)
    if body is None:
        abort(404)
    return Response(body, mimetype="text/calendar")


def _station_id() -> int:
    """The station asked for (``?station_id=``) or the first one the account works in."""
    wanted = request.values.get("station_id", "")
    if wanted.isdigit():
        return int(wanted)
    me = actor()
    ids = sorted(me.station_ids) if not me.district_wide else [
        s for s in db.session.scalars(db.select(Station.id).order_by(Station.id))]  # fmt: skip
    if not ids:
        abort(404)
    return ids[0]


def _stations() -> list[Station]:
    me = actor()
    query = db.select(Station).order_by(Station.id)
    if not me.district_wide:
        query = query.where(Station.id.in_(me.station_ids or {-1}))
    return list(db.session.scalars(query))


@bp.get("/station/alerts")
@login_required
@guarded
def station_alerts():
    """Today's alerts, open follow-up calls and unresolved complaints of the coordinator."""
    found = alerts.todays_alerts(actor(), local_today())
    calls = followups.list_follow_ups(actor(), {"open": "true", "per_page": 100})
    return render_template("visits/alerts.html", alerts=found, calls=calls.items,
                           day=local_today(), card_code=verification.card_code)  # fmt: skip


@bp.post("/station/visits/<int:visit_id>/missed")
@login_required
@guarded
def missed(visit_id: int):
    try:
        execution.mark_missed(actor(), visit_id, _form())
        flash(_("Marked as missed."), "success")
    except CareHubError as err:
        _refused(err)
    return redirect(url_for("execution.station_alerts"))


@bp.post("/station/visits/<int:visit_id>/manual-check")
@login_required
@guarded
def manual_check(visit_id: int):
    """The coordinator types the wall-clock time (HH:MM) on the visit's day."""
    form = _form()
    if "seat" in form and form["seat"].isdigit():
        form["seat"] = int(form["seat"])
    try:
        form["at"] = _on_visit_day(visit_id, form.pop("time", ""))
        execution.manual(actor(), visit_id, form)
        flash(_("Entry recorded (flagged as manual)."), "success")
    except CareHubError as err:
        _refused(err)
    return redirect(url_for("execution.station_alerts"))


def _on_visit_day(visit_id: int, hh_mm: str) -> str:
    """``HH:MM`` on the visit's date in the district's time zone, as ISO 8601 (else as typed,
    for the service to refuse by name)."""
    from carehub.common import clock
    from carehub.visits.services import get_visit

    visit = get_visit(actor(), visit_id)
    try:
        moment = datetime.combine(visit.visit_date, time.fromisoformat(hh_mm),
                                  tzinfo=clock.timezone())  # fmt: skip
    except ValueError:
        return hh_mm
    return moment.isoformat()


@bp.post("/follow-ups/<int:follow_up_id>/call")
@login_required
@guarded
def follow_up_call(follow_up_id: int):
    form = _form()
    if form.get("satisfaction", "").isdigit():
        form["satisfaction"] = int(form["satisfaction"])
    try:
        followups.record_call(actor(), follow_up_id, form)
        flash(_("Call recorded."), "success")
    except CareHubError as err:
        _refused(err)
    return redirect(url_for("execution.station_alerts"))


@bp.route("/complaints", methods=["GET", "POST"])
@login_required
@guarded
def complaint_list():
    if request.method == "POST":
        form = _form()
        for key in ("station_id", "visit_id", "caregiver_id", "provider_id"):
            if key in form:
                form[key] = int(form[key]) if form[key].isdigit() else form[key]
        try:
            complaints.receive(actor(), form)
            flash(_("Complaint received."), "success")
        except CareHubError as err:
            _refused(err)
        return redirect(url_for("execution.complaint_list"))
    page = complaints.list_complaints(actor(), {"per_page": 200})
    return render_template("visits/complaints.html", complaints=page.items, today=local_today(),
                           stations=_stations(), channels=COMPLAINT_CHANNELS,
                           overdue=complaints.overdue)  # fmt: skip


@bp.post("/complaints/<int:complaint_id>/step")
@login_required
@guarded
def complaint_step(complaint_id: int):
    try:
        complaints.step(actor(), complaint_id, _form())
        flash(_("Complaint updated."), "success")
    except CareHubError as err:
        _refused(err)
    return redirect(url_for("execution.complaint_list"))


@bp.get("/residents/<int:resident_id>/card")
@login_required
@guarded
def resident_card(resident_id: int):
    """The resident's printed confirmation card: one code per coming visit."""
    lines = verification.resident_card(actor(), resident_id, local_today())
    return render_template("visits/resident_card.html", lines=lines, day=local_today())


@bp.get("/station/quality")
@login_required
@guarded
def station_quality():
    today = local_today()
    start = _date(request.args.get("start"), today.replace(day=1))
    end = _date(request.args.get("end"), today)
    if end < start or end - start > timedelta(days=366):
        start, end = today.replace(day=1), today
    report = quality.station_quality(actor(), _station_id(), start, end)
    return render_template("visits/quality.html", q=report, stations=_stations(),
                           station_id=_station_id())  # fmt: skip


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default
