"""Time-bank pages: the volunteer's phone page, the coordinator's pending hours and statements,
the bureau's liability. Thin: every read and write is the service the API calls too."""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from carehub.common.errors import CareHubError
from carehub.registry.views.common import actor, guarded
from carehub.timebank import activities, charts, exports, fund, liability, redemption, services
from carehub.timebank.accounts import own_account
from carehub.ui import LABELS

bp = Blueprint("timebank", __name__, url_prefix="/time-bank")
STAFF = frozenset({"admin", "auditor", "coordinator"})
LABELS.setdefault("tx_kind", {
    "credit": _l("Credited"), "redeem": _l("Redeemed"), "hold": _l("Held for a visit"),
    "release": _l("Hold released"), "post": _l("Spent on a visit"), "gift": _l("Gift"),
    "donate": _l("Donated to the pool"), "reversal": _l("Correction"), "expiry": _l("Expired"),
})  # fmt: skip
LABELS.setdefault("account_kind", {
    "volunteer": _l("Volunteer"), "resident": _l("Resident"), "pool": _l("Station pool"),
    "issuer": _l("District"), "holds": _l("Holds"),
})  # fmt: skip
LABELS.setdefault("relation", {
    "spouse": _l("Spouse"), "parent": _l("Parent"), "parent_in_law": _l("Parent-in-law"),
    "grandparent": _l("Grandparent"), "child": _l("Child"), "grandchild": _l("Grandchild"),
})  # fmt: skip
LABELS.setdefault("age_band", {
    "under 60": _l("Under 60"), "60-69": "60–69", "70-79": "70–79", "80+": "80+",
    "pool": _l("Station pool"),
})  # fmt: skip


@bp.app_template_filter("tb_yuan")
def yuan(fen: int) -> str:
    """Fen as yuan with two decimals (exact: Decimal, never float)."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def _form() -> dict:
    return {k: v for k, v in request.form.items() if k not in ("csrf_token", "key") and v != ""}


def _ints(body: dict, *names: str) -> dict:
    for name in names:
        if name in body and str(body[name]).lstrip("-").isdigit():
            body[name] = int(body[name])
    return body


def _do(call, done: str):
    """Run a posting from a form; its refusal becomes a message on the page it came from."""
    try:
        call()
        flash(done, "ok")
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")


@bp.get("/me")
@login_required
@guarded
def mine():
    if actor().role != "volunteer":
        abort(403)
    if not actor().volunteer_id:
        return render_template("timebank/mine.html", account=None)
    account = own_account(actor())
    history = services.list_transactions(actor(), {"per_page": 20}).items
    kin = services.kin_of(actor(), actor().volunteer_id)
    return render_template("timebank/mine.html", account=services.view(account), history=history,
                           pending=activities.list_activities(actor()), kin=kin,
                           key=uuid.uuid4().hex, account_id=account.id,
                           bookable=services.bookable_services())  # fmt: skip


@bp.post("/me/activity")
@login_required
@guarded
def log_activity():
    body = _ints(_form(), "minutes", "resident_id")
    _do(lambda: activities.log_activity(actor(), body), _("Logged; it counts once verified."))
    return redirect(url_for("timebank.mine"))


@bp.post("/me/gift")
@login_required
@guarded
def give():
    body = _ints(_form(), "minutes", "resident_id")
    body["account_id"] = own_account(actor()).id
    _do(lambda: services.gift(actor(), body, request.form.get("key")), _("Hours given."))
    return redirect(url_for("timebank.mine"))


@bp.post("/me/redeem")
@login_required
@guarded
def redeem():
    account = own_account(actor())
    holder = services.view(account)
    body = _ints(_form(), "duration_minutes")
    body = {"account_id": holder["id"], "resident_id": _resident_of(account),
            "service_code": body.get("service_code", ""), "visit_date": body.get("visit_date", ""),
            "windows": [{"start": body.get("start", ""), "end": body.get("end", "")}],
            **({"duration_minutes": body["duration_minutes"]} if "duration_minutes" in body else {})}  # fmt: skip
    if request.form.get("pay") == "share":
        body["share_of"] = _own_tier(account, body["visit_date"], body["service_code"])
    _do(lambda: redemption.redeem(actor(), body, request.form.get("key")),
        _("Booked; the hours are held until the visit is done."))  # fmt: skip
    return redirect(url_for("timebank.mine"))


def _own_tier(account, day: str, service_code: str) -> str:
    """The funding the holder is eligible for on ``day``: the hours pay only their share of it."""
    from datetime import date

    from carehub.policy.eligibility import of_resident
    from carehub.timebank.accounts import holder_of

    resident, _born = holder_of(account)
    try:
        on = date.fromisoformat(day)
    except ValueError:
        return "paid"  # the booking itself names the bad date
    return of_resident(resident, on, service_code=service_code).tier if resident else "paid"


def _resident_of(account) -> int:
    from carehub.timebank.accounts import holder_of

    resident, _born = holder_of(account)
    return resident.id if resident else 0


@bp.get("/pending")
@login_required
@guarded
def pending():
    if actor().role not in STAFF:
        abort(403)
    return render_template("timebank/pending.html", items=activities.list_activities(actor()),
                           can_decide=actor().role != "auditor")  # fmt: skip


@bp.post("/pending")
@login_required
@guarded
def decide():
    ids = [int(v) for v in request.form.getlist("activity_ids") if v.isdigit()]
    body = {"activity_ids": ids, "decision": request.form.get("decision", "verify")}
    _do(lambda: activities.decide(actor(), body), _("Done."))
    return redirect(url_for("timebank.pending"))


@bp.get("/accounts")
@login_required
@guarded
def accounts():
    if actor().role not in STAFF:
        abort(403)
    args = {k: v for k, v in request.args.items() if k in ("kind", "page") and v}
    try:
        page = services.list_accounts(actor(), args)
    except CareHubError:
        page = services.list_accounts(actor(), {})
    return render_template("timebank/accounts.html", page=page)


@bp.get("/accounts/<int:account_id>/statement")
@login_required
@guarded
def statement(account_id: int):
    args = {k: v for k, v in request.args.items() if k in ("date_from", "date_to") and v}
    try:
        found = services.statement(actor(), account_id, args)
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
        found = services.statement(actor(), account_id, {})
    return render_template("timebank/statement.html", s=found)


@bp.get("/liability")
@login_required
@guarded
def bureau():
    report = liability.report(actor())
    trend = charts.bars([p["month"][2:] for p in report["trend"]],
                        [[p["minutes"] // 60 for p in report["trend"]]])  # fmt: skip
    rows = report["projection"]
    projection = charts.bars([str(r["year"]) for r in rows],
                             [[r[f"reach_{a}"] // 60 for r in rows] for a in (60, 70, 80)])  # fmt: skip
    per_station = [(s["station"], charts.bars([m[2:] for m in s["months"]],
                                              [[v // 60 for v in s["minutes"]]]))
                   for s in report["station_trends"]]  # fmt: skip
    return render_template("timebank/liability.html", r=report, trend=trend,
                           projection=projection, per_station=per_station)  # fmt: skip


@bp.get("/liability/export.<any(csv, xlsx):kind>")
@login_required
@guarded
def liability_export(kind: str):
    """The liability figures as the bureau's spreadsheet (Chinese headers, a totals row)."""
    report = liability.report(actor())
    name = f"liability-{report['as_of']:%Y-%m-%d}.{kind}"
    if kind == "csv":
        data, mimetype = exports.to_csv(report), "text/csv; charset=utf-8"
    else:
        data = exports.to_xlsx(report)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


def _staff() -> None:
    if actor().role not in STAFF:
        abort(403)


@bp.route("/kin", methods=["GET", "POST"])
@login_required
@guarded
def kin():
    """A family tie recorded after the documents were seen; gifts of hours need one."""
    _staff()
    if request.method == "POST":
        body = _ints(_form(), "volunteer_id", "resident_id")
        _do(lambda: services.record_kin(actor(), body), _("Family tie recorded."))
        return redirect(url_for("timebank.kin", volunteer_id=body.get("volunteer_id", "")))
    volunteer_id = request.args.get("volunteer_id", "")
    ties = services.kin_of(actor(), int(volunteer_id)) if volunteer_id.isdigit() else []
    return render_template("timebank/kin.html", ties=ties, volunteer_id=volunteer_id,
                           can_write=actor().role != "auditor")  # fmt: skip


@bp.route("/transactions/<int:transaction_id>/reverse", methods=["GET", "POST"])
@login_required
@guarded
def reverse(transaction_id: int):
    """A correction with its reason; the page shows the entries it will undo."""
    _staff()
    original = services.get_transaction(actor(), transaction_id)
    if request.method == "POST":
        body = {"reason": request.form.get("reason", "")}
        _do(lambda: services.reverse(actor(), transaction_id, body, request.form.get("key")),
            _("Transaction reversed."))  # fmt: skip
        return redirect(url_for("timebank.reverse", transaction_id=transaction_id))
    legs = [(e, services.view(e.account)) for e in original.entries]
    return render_template("timebank/reverse.html", tx=original, legs=legs, key=uuid.uuid4().hex,
                           can_write=actor().role != "auditor")  # fmt: skip


@bp.route("/pool", methods=["GET", "POST"])
@login_required
@guarded
def pool():
    """Pool hours granted to elders, highest priority first (ability, age, living alone)."""
    _staff()
    station_id = request.values.get("station_id", "")
    stations = redemption.pool_stations(actor())
    station_id = int(station_id) if station_id.isdigit() else (stations[0].id if stations else 0)
    if request.method == "POST":
        wanted = [{"resident_id": int(k[8:]), "minutes": int(v)} for k, v in request.form.items()
                  if k.startswith("minutes_") and k[8:].isdigit() and v.isdigit() and int(v) > 0]  # fmt: skip
        body = {"station_id": station_id, "requests": wanted}
        _do(lambda: redemption.allocate_pool(actor(), body, request.form.get("key")),
            _("Pool hours granted."))  # fmt: skip
        return redirect(url_for("timebank.pool", station_id=station_id))
    found = redemption.priority_list(actor(), station_id) if station_id else None
    return render_template("timebank/pool.html", p=found, key=uuid.uuid4().hex, stations=stations,
                           can_write=actor().role != "auditor")  # fmt: skip


@bp.route("/fund", methods=["GET", "POST"])
@login_required
@guarded
def fund_page():
    """The guarantee fund's movements; an admin records one (with its reason)."""
    if actor().role not in liability.READERS:
        abort(403)
    if request.method == "POST":
        body = _ints(_form(), "district_id", "amount_fen")
        _do(lambda: fund.record_movement(actor(), body), _("Fund movement recorded."))
        return redirect(url_for("timebank.fund_page"))
    return render_template("timebank/fund.html", rows=fund.movements(),
                           districts=fund.districts(), can_write=actor().role == "admin")  # fmt: skip
