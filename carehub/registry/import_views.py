"""Import pages: upload a sheet, see every row checked, then import it all-or-nothing.

The web is stateless behind several processes, so nothing waits on the server between preview and
import: the confirm form carries the file back (base64, with a signed ticket naming its SHA-256,
the account and the kind); a file too large for that is chosen again and must match the ticket.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import re

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
from carehub.common.errors import Forbidden, Invalid, NotFound
from carehub.extensions import db
from carehub.registry import importer
from carehub.registry.importer_columns import id_text, phone, spec_for
from carehub.registry.views.messages import translate as registry_translate

bp = Blueprint("imports", __name__, url_prefix="/imports")

KIND = "<any(residents, caregivers):kind>"
INLINE_LIMIT = 2 * 1024 * 1024  # larger files are chosen again rather than carried in the form
TICKET_SECONDS = 3600
TEXT_ROWS = 1000  # template rows preformatted as text for ID and phone numbers
LISTS = {"residents": "registry.residents", "caregivers": "registry.caregivers"}


def _actor():
    return current_user._get_current_object()


def _allowed(kind: str) -> None:
    """The 403/404 page for an account that may not import this kind."""
    try:
        require_write(_actor(), spec_for(kind).writers)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)


@bp.get(f"/{KIND}")
@login_required
def upload(kind: str):
    _allowed(kind)
    return _upload_page(kind)


@bp.post(f"/{KIND}/preview")
@login_required
def preview(kind: str):
    _allowed(kind)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(kind, str(_l("Choose a CSV or Excel file to check.")), 400)
    data = upload.read()
    try:
        result = importer.preview(_actor(), kind, upload.filename, data)
    except Invalid as exc:
        db.session.rollback()
        return _upload_page(kind, _file_message(exc), 422)
    return _preview_page(kind, result, data)


@bp.post(f"/{KIND}/confirm")
@login_required
def confirm(kind: str):
    _allowed(kind)
    ticket, data = _ticket(kind), _returned_file()
    if ticket is None or data is None or hashlib.sha256(data).hexdigest() != ticket["sha256"]:
        flash(_l("The checked file could not be matched; please check it again."), "error")
        return redirect(url_for("imports.upload", kind=kind))
    try:
        result = importer.import_(_actor(), kind, ticket["filename"], data)
    except importer.ImportRejected as exc:
        db.session.rollback()
        return _preview_page(kind, exc.result, data, 422)
    except Invalid as exc:
        db.session.rollback()
        return _upload_page(kind, _file_message(exc), 422)
    flash(ngettext("%(num)s row imported.", "%(num)s rows imported.", result.total), "success")
    return redirect(url_for(LISTS[kind]))


@bp.get(f"/{KIND}/template.<any(csv, xlsx):fmt>")
@login_required
def template(kind: str, fmt: str):
    spec = spec_for(kind)
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


def _xlsx_template(spec, headers: list[str]) -> bytes:
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
        if column.convert in (id_text, phone):  # as text: Excel rounds 18 digits, drops a 0
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


def _upload_page(kind: str, error: str | None = None, status: int = 200):
    return (
        render_template(
            "registry/import.html",
            kind=kind,
            spec=spec_for(kind),
            error=error,
            max_rows=importer.MAX_ROWS,
            list_endpoint=LISTS[kind],
        ),
        status,
    )


def _preview_page(kind: str, result: importer.ImportResult, data: bytes, status: int = 200):
    inline = len(data) <= INLINE_LIMIT
    return (
        render_template(
            "registry/import_preview.html",
            kind=kind,
            result=result,
            bad=[_row_view(r) for r in result.bad_rows],
            good=[r for r in result.rows if r.ok],
            ticket=_make_ticket(kind, result.filename, data) if result.ok else None,
            data=base64.b64encode(data).decode() if result.ok and inline else None,
            max_rows=importer.MAX_ROWS,
            list_endpoint=LISTS[kind],
        ),
        status,
    )


def _row_view(row: importer.RowResult) -> dict:
    problems = [
        (_column(column), translate(message))
        for column, messages in row.errors.items()
        for message in messages
    ]
    return {"row": row.row, "label": row.label, "problems": problems}


def _column(column: str) -> str:
    return str(_l("Whole row")) if column == "row" else column


def _file_message(exc: Invalid) -> str:
    return translate((exc.errors.get("file") or [exc.message])[0])


# --- the ticket that carries a checked file to the import ----------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="carehub-import")


def _make_ticket(kind: str, filename: str, data: bytes) -> str:
    payload = {"kind": kind, "filename": filename, "user": current_user.id,
               "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
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


# --- the importer's messages in the page's language ----------------------------------------------

_PATTERNS = [
    (r"unknown station (?P<value>.+)", _l("Unknown station %(value)s (use the code of one of your stations).")),
    (r"unknown provider (?P<value>.+?) \(.*\)", _l("Unknown provider %(value)s: give its credit code or exact name.")),
    (r"unknown (?P<what>[a-z ]+) (?P<value>.+) \(use (?P<allowed>.+)\)", _l("Unknown value %(value)s; use %(allowed)s.")),
    (r"stored as a number, so Excel dropped its last digits: format the column as text", _l("Stored as a number, so Excel dropped its last digits: format the column as text and enter it again.")),
    (r"not a phone number", _l("Not a phone number.")),
    (r"not a number", _l("Enter a number.")),
    (r"not a whole number", _l("Enter a whole number.")),
    (r"not a date: (?P<value>.+) \(write 2024-05-01\)", _l("%(value)s is not a date (write 2024-05-01).")),
    (r"expected text, found a date", _l("Expected text, found a date.")),
    (r"(cannot read working hours|name the days before the hours|unknown day|impossible time in) .*", _l("Cannot read the working hours; write e.g. 周一至周五 08:00-17:00；周六 09:00-12:00.")),
    (r"name the contact whose phone or agreement is given", _l("Name the contact whose phone or agreement is given.")),
    (r"give the level of the assessment", _l("Give the level of the assessment.")),
    (r"name the certificate whose dates are given", _l("Name the certificate whose dates are given.")),
    (r"the same ID number as row (?P<row>\d+) of this file", _l("The same ID number as row %(row)s of this file.")),
    (r"the same name and phone as row (?P<row>\d+) of this file", _l("The same name and phone as row %(row)s of this file.")),
    (r"the file is empty", _l("The file is empty.")),
    (r"the file is larger than (?P<mb>\d+) MB", _l("The file is larger than %(mb)s MB.")),
    (r"old Excel \.xls files .*", _l("Old Excel .xls files cannot be read: save the sheet as .xlsx or CSV.")),
    (r"unsupported file type.*", _l("Unsupported file type: upload a CSV or an Excel .xlsx file.")),
    (r"cannot (read|open) the (CSV file|text|Excel file|Excel sheet).*", _l("The file cannot be read: save it again as CSV (UTF-8 or GBK) or .xlsx.")),
    (r"no header row found.*", _l("No header row found: the first row must name the columns, as in the template.")),
    (r"two columns mean the same thing: (?P<a>.*) and (?P<b>.*)", _l("Two columns mean the same thing: %(a)s and %(b)s.")),
    (r"missing columns: (?P<columns>.+)", _l("Missing columns: %(columns)s.")),
    (r"the file has a header but no rows", _l("The file has a header but no rows.")),
    (r"at most (?P<rows>\d+) rows per import.*", _l("At most %(rows)s rows per import: split the file.")),
]  # fmt: skip
_COMPILED = [(re.compile(rf"^{pattern}$"), message) for pattern, message in _PATTERNS]


def translate(message: str) -> str:
    """An importer message in the page's language; others go to the registry's own catalogue."""
    for pattern, template in _COMPILED:
        match = pattern.match(message)
        if match:
            return str(template) % match.groupdict() if match.groupdict() else str(template)
    return registry_translate(message)
