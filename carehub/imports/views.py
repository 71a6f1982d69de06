"""Import pages: upload a sheet, see every row checked, then import it all-or-nothing.

The web is stateless behind several processes, so nothing waits on the server between preview and
import: the confirm form carries the file back (base64, with a signed ticket naming its SHA-256,
the account, the kind and the chosen station); a file too large for that is chosen again and must
match the ticket.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from itsdangerous import BadData, URLSafeTimedSerializer

from carehub.auth.scoping import require_write
from carehub.common.errors import Forbidden, NotFound
from carehub.extensions import db
from carehub.imports import engine, reading
from carehub.imports.problems import FileError, Problem
from carehub.imports.spec import Spec, spec_for

bp = Blueprint("imports", __name__, url_prefix="/imports")

INLINE_LIMIT = 2 * 1024 * 1024  # larger files are chosen again rather than carried in the form
TICKET_SECONDS = 3600
TEXT_ROWS = 1000  # template rows preformatted as text for ID and phone numbers


def _actor():
    return current_user._get_current_object()


def _spec(kind: str) -> Spec:
    """The spec of an importable kind, or the 404/403 page for this account."""
    try:
        spec = spec_for(kind)
        require_write(_actor(), spec.writers)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return spec


@bp.get("/<kind>")
@login_required
def upload(kind: str):
    return _upload_page(_spec(kind))


@bp.post("/<kind>/preview")
@login_required
def preview(kind: str):
    spec = _spec(kind)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(spec, str(_l("Choose a CSV or Excel file to check.")), 400)
    data, station = upload.read(), request.form.get("station_id") or None
    try:
        result = engine.preview(_actor(), kind, upload.filename, data, station)
    except FileError as exc:
        db.session.rollback()
        return _upload_page(spec, exc.problem.text, 422)
    return _preview_page(spec, result, data)


@bp.post("/<kind>/confirm")
@login_required
def confirm(kind: str):
    spec = _spec(kind)
    ticket, data = _ticket(kind), _returned_file()
    if ticket is None or data is None or hashlib.sha256(data).hexdigest() != ticket["sha256"]:
        flash(_l("The checked file could not be matched; please check it again."), "error")
        return redirect(url_for("imports.upload", kind=kind))
    try:
        result = engine.import_(_actor(), kind, ticket["filename"], data, ticket.get("station"))
    except engine.ImportRejected as exc:
        db.session.rollback()
        return _preview_page(spec, exc.result, data, 422)
    except FileError as exc:
        db.session.rollback()
        return _upload_page(spec, exc.problem.text, 422)
    flash(ngettext("%(num)s row imported.", "%(num)s rows imported.", result.total), "success")
    return redirect(url_for(spec.list_endpoint) if spec.list_endpoint else "/")


@bp.get("/<kind>/template.<any(csv, xlsx):fmt>")
@login_required
def template(kind: str, fmt: str):
    spec = _spec(kind)
    headers = [c.header for c in spec.columns]
    if fmt == "csv":  # with a BOM, so that Excel opens the Chinese headers correctly
        body = io.StringIO()
        csv.writer(body).writerow(headers)
        data, mimetype = body.getvalue().encode("utf-8-sig"), "text/csv"
    else:
        data = _xlsx_template(spec, headers)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"carehub-{kind}-template.{fmt}"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


def _xlsx_template(spec: Spec, headers: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(_l("Data"))
    sheet.append(headers)
    for index, column in enumerate(spec.columns, start=1):
        header = sheet.cell(1, index)
        header.font = Font(bold=True, color="B42318" if column.required else None)
        sheet.column_dimensions[header.column_letter].width = 16
        if column.as_text:  # as text: Excel rounds 18 digits and drops a leading 0
            for row in range(2, TEXT_ROWS + 2):
                sheet.cell(row, index).number_format = "@"
    notes = book.create_sheet(str(_l("Notes")))
    notes.append([str(_l("Column")), str(_l("English name")), str(_l("Required")),
                  str(_l("What to write"))])  # fmt: skip
    for column in spec.columns:
        required = str(_l("yes")) if column.required else ""
        notes.append([column.header, column.key, required, str(column.note)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- rendering --------------------------------------------------------------------------------


def _stations() -> list:
    """The stations the actor may put rows in, to choose one when the sheet names none."""
    from sqlalchemy import select

    from carehub.registry.models import Station

    actor = _actor()
    query = select(Station).order_by(Station.code)
    if not actor.district_wide:
        query = query.where(Station.id.in_(actor.station_ids or {-1}))
    return list(db.session.scalars(query))


def _upload_page(spec: Spec, error: str | None = None, status: int = 200):
    stations = _stations() if spec.station_column else []
    return (
        render_template(
            "imports/upload.html",
            kind=spec.kind,
            spec=spec,
            error=error,
            stations=stations,
            chosen=request.form.get("station_id", type=int),
            max_rows=reading.MAX_ROWS,
            list_endpoint=spec.list_endpoint,
        ),
        status,
    )


def _preview_page(spec: Spec, result: engine.ImportResult, data: bytes, status: int = 200):
    inline = len(data) <= INLINE_LIMIT
    stations = _stations() if spec.station_column else []
    return (
        render_template(
            "imports/preview.html",
            kind=spec.kind,
            spec=spec,
            result=result,
            rows=[_row_view(r) for r in result.rows],
            bad=[_row_view(r) for r in result.bad_rows],
            station=next((s for s in stations if s.id == result.station_id), None),
            stations=stations,
            chosen=result.station_id,
            ticket=_make_ticket(spec.kind, result, data) if result.ok else None,
            data=base64.b64encode(data).decode() if result.ok and inline else None,
            max_rows=reading.MAX_ROWS,
            list_endpoint=spec.list_endpoint,
        ),
        status,
    )


def _row_view(row: engine.RowResult) -> dict:
    problems = [(_column(column), _text(problem)) for column, problem in row.problems]
    return {"row": row.row, "label": row.label, "ok": row.ok, "problems": problems}


def _column(column: str) -> str:
    return str(_l("Whole row")) if column == engine.WHOLE_ROW else column


def _text(problem: Problem) -> str:
    """The problem in the page's language (every message, the services' too, is lazy)."""
    return problem.text


# --- the ticket that carries a checked file to the import ----------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="carehub-import")


def _make_ticket(kind: str, result: engine.ImportResult, data: bytes) -> str:
    payload = {"kind": kind, "filename": result.filename, "user": current_user.id,
               "station": result.station_id, "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    return _serializer().dumps(payload)


def _ticket(kind: str) -> dict | None:
    try:
        payload = _serializer().loads(request.form.get("ticket", ""), max_age=TICKET_SECONDS)
    except BadData:
        return None
    if payload.get("kind") != kind or payload.get("user") != current_user.id:
        return None
    return payload


def _returned_file() -> bytes | None:
    if request.form.get("data"):
        try:
            return base64.b64decode(request.form["data"], validate=True)
        except (binascii.Error, ValueError):
            return None
    upload = request.files.get("file")
    return upload.read() if upload is not None and upload.filename else None
