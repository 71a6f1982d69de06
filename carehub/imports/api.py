"""REST endpoints of the bulk import: one multipart upload, previewed or imported all-or-nothing."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor
from carehub.common import fields
from carehub.common.errors import Invalid
from carehub.common.schema import Schema
from carehub.imports import engine, reading

blp = Blueprint(
    "import_api",
    __name__,
    description="Bulk import of residents, caregivers and volunteers from CSV (UTF-8 or GBK) or "
    "XLSX sheets, as stations keep them.",
)


class ImportQuery(Schema):
    dry_run = fields.Boolean(
        load_default=True,
        metadata={"description": "true (default): check every row and write nothing; "
                  "false: create every row, or nothing at all if any row is bad (422)."},
    )  # fmt: skip
    station_id = fields.Integer(
        load_default=None,
        validate=lambda v: 0 < v < 2**31,
        metadata={"description": "Station for rows that name none (needed when the sheet has no "
                  "station column and the account has several stations)."},
    )  # fmt: skip


class ProblemOut(Schema):
    column = fields.String(metadata={"description": "The column as the sheet writes it, or 'row'"})
    field = fields.String(allow_none=True, metadata={"description": "The payload field, if any"})
    code = fields.String(metadata={"description": "Stable code of the problem"})
    message = fields.String(metadata={"description": "The problem in English"})


class RowOut(Schema):
    row = fields.Integer(metadata={"description": "Row number as the spreadsheet shows it"})
    status = fields.String(metadata={"description": "ok or error"})
    label = fields.String(metadata={"description": "The name in the row"})
    errors = fields.Method("_errors", metadata={"description": "Problems by column header"})
    problems = fields.Method("_problems")
    record_id = fields.Integer(allow_none=True)

    def _errors(self, row: engine.RowResult) -> dict:
        out: dict[str, list[str]] = {}
        for column, problem in row.problems:
            out.setdefault(column, []).append(problem.english)
        return out

    def _problems(self, row: engine.RowResult) -> list[dict]:
        return [{"column": column, "field": problem.field, "code": problem.code,
                 "message": problem.english} for column, problem in row.problems]  # fmt: skip


class ImportOut(Schema):
    kind = fields.String()
    filename = fields.String()
    header_row = fields.Integer()
    station_id = fields.Integer(allow_none=True)
    total = fields.Integer()
    valid = fields.Integer()
    invalid = fields.Integer()
    imported = fields.Boolean()
    created_ids = fields.List(fields.Integer())
    ignored_columns = fields.List(fields.String())
    skipped_rows = fields.List(fields.Integer())
    rows = fields.List(fields.Nested(RowOut))


UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The sheet: .csv (UTF-8, UTF-8 with BOM or GBK) or "
                            f".xlsx; a header row, at most {reading.MAX_ROWS} rows.",
                        }
                    },
                }
            }
        },
    }
}


class _BadUpload(Invalid):
    status = 400


def _upload() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise _BadUpload(
            "send the sheet as the multipart field 'file'", {"file": ["no file was sent"]}
        )
    return upload.filename, upload.read()


@blp.route("/imports/<kind>")
class Imports(MethodView):
    @blp.arguments(ImportQuery, location="query")
    @blp.doc(**UPLOAD_DOC)
    @blp.response(200, ImportOut, description="Preview (dry run): every row with its problems")
    @blp.alt_response(201, schema=ImportOut, description="Imported: every row was created")
    @blp.alt_response(400, description="No file was sent (errors.file)")
    @blp.alt_response(404, description="Nothing is imported as this kind")
    @blp.alt_response(
        422,
        description="The file cannot be read (errors.file), or some rows are bad and nothing "
        "was written (errors['rows.<row>.<column>'])",
    )
    def post(self, args: dict, kind: str):
        """Upload a sheet (residents, caregivers, volunteers, care plans, policy versions): preview it,
        or import it whole.

        Columns are matched by their Chinese headers in any of their usual spellings (姓名/老人姓名,
        身份证号/公民身份号码, 联系电话/手机号, 住址/家庭住址, …) or English names; title and notes
        lines above the header, and totals or blank lines at the end, are skipped. Without a station
        column the rows go to the station given (or the coordinator's only one).
        """
        filename, data = _upload()
        station = args["station_id"]
        if args["dry_run"]:
            return engine.preview(actor(), kind, filename, data, station)
        return engine.import_(actor(), kind, filename, data, station), 201
