"""REST endpoints of the bulk import: one multipart upload, previewed or imported all-or-nothing."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from carehub.api.helpers import actor
from carehub.common.errors import Invalid
from carehub.registry import importer

blp = Blueprint(
    "import_api",
    __name__,
    description="Bulk import of residents and caregivers from CSV (UTF-8 or GBK) or XLSX sheets.",
)


class ImportQuery(Schema):
    dry_run = fields.Boolean(
        load_default=True,
        metadata={"description": "true (default): check every row and write nothing; "
                  "false: create every row, or nothing at all if any row is bad (422)."},
    )  # fmt: skip


class RowOut(Schema):
    row = fields.Integer(metadata={"description": "Row number as the spreadsheet shows it"})
    status = fields.String(metadata={"description": "ok or error"})
    label = fields.String(metadata={"description": "The name in the row"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Problems by column header"},
    )
    record_id = fields.Integer(allow_none=True)


class ImportOut(Schema):
    kind = fields.String()
    filename = fields.String()
    total = fields.Integer()
    valid = fields.Integer()
    invalid = fields.Integer()
    imported = fields.Boolean()
    created_ids = fields.List(fields.Integer())
    ignored_columns = fields.List(fields.String())
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
                            f".xlsx; a header row, at most {importer.MAX_ROWS} rows.",
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


@blp.route("/imports/<any(residents, caregivers):kind>")
class Imports(MethodView):
    @blp.arguments(ImportQuery, location="query")
    @blp.doc(**UPLOAD_DOC)
    @blp.response(200, ImportOut, description="Preview (dry run): every row with its problems")
    @blp.alt_response(201, schema=ImportOut, description="Imported: every row was created")
    @blp.alt_response(400, description="No file was sent (errors.file)")
    @blp.alt_response(
        422,
        description="The file cannot be read (errors.file), or some rows are bad and nothing "
        "was written (errors['rows.<row>.<column>'])",
    )
    def post(self, args: dict, kind: str):
        """Upload a sheet of residents or caregivers: preview it, or import it all-or-nothing.

        Columns are matched by their Chinese headers (姓名, 身份证号, 联系电话, 住址, 所属服务站, …)
        or English aliases (name, id_number, phone, address, station, …); a title row above the
        header is allowed. A coordinator may name only his or her own stations.
        """
        filename, data = _upload()
        if args["dry_run"]:
            return importer.preview(actor(), kind, filename, data)
        return importer.import_(actor(), kind, filename, data), 201
