"""What can be wrong with a file or a row: a stable code, the column, a message marked for translation.

Pages show ``str(problem.message)`` in the reader's language; the API sends the code and the English
text. Nothing is translated by matching English text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from carehub.common.errors import Invalid

MESSAGES = {
    # files
    "file_empty": _l("The file is empty."),
    "file_too_large": _l("The file is larger than %(mb)s MB."),
    "file_xls": _l("Old Excel .xls files cannot be read: save the sheet as .xlsx or CSV."),
    "file_type": _l("Unsupported file type: upload a CSV or an Excel .xlsx file."),
    "file_unreadable": _l("The file cannot be read: save it again as CSV (UTF-8 or GBK) or .xlsx."),
    "no_header": _l("No header row found in the first %(rows)s rows: one row must name the columns (%(columns)s)."),
    "same_column_twice": _l("Two columns mean the same thing: %(a)s and %(b)s."),
    "missing_columns": _l("Missing columns: %(columns)s."),
    "no_rows": _l("The file has a header but no rows."),
    "too_many_rows": _l("At most %(rows)s rows per import: split the file."),
    "choose_station": _l("The sheet has no station column: choose the station these rows belong to."),
    "unknown_default_station": _l("Choose one of your stations."),
    # cells
    "unknown_station": _l("Unknown station %(value)s (use the code or name of one of your stations)."),
    "unknown_provider": _l("Unknown provider %(value)s: give its credit code or exact name."),
    "unknown_value": _l("Unknown value %(value)s; use %(allowed)s."),
    "id_as_number": _l("Stored as a number, so Excel dropped its last digits: format the column as text and enter it again."),
    "not_phone": _l("Not a phone number."),
    "not_number": _l("Enter a number."),
    "not_whole_number": _l("Enter a whole number."),
    "not_date": _l("%(value)s is not a date (write 2024-05-01)."),
    "date_not_text": _l("Expected text, found a date."),
    "working_hours": _l("Cannot read the working hours; write e.g. 周一至周五 08:00-17:00；周六 09:00-12:00."),
    "contact_name": _l("Name the contact whose phone or agreement is given."),
    "assessment_level": _l("Give the level of the assessment."),
    "certificate_kind": _l("Name the certificate whose dates are given."),
    "duplicate_in_file": _l("The same %(what)s as row %(row)s of this file."),
}  # fmt: skip
WHATS = {"id_number": _l("ID number"), "name_phone": _l("name and phone")}


@dataclass(frozen=True)
class Problem:
    """One thing wrong; ``message`` renders in the current language (a lazy string or plain text)."""

    code: str
    message: Any
    field: str | None = None

    @classmethod
    def of(cls, code: str, field: str | None = None, **params: Any) -> Problem:
        return cls(code, _Formatted(MESSAGES[code], params), field)

    @property
    def text(self) -> str:
        """In the reader's language; outside a request (CLI, services in tests) in English."""
        return str(self.message) if has_request_context() else self.english

    @property
    def english(self) -> str:
        with force_locale("en"):
            return str(self.message)


class _Formatted:
    """A lazy message with its parameters, formatted in whatever language is current."""

    def __init__(self, template: Any, params: dict[str, Any]):
        self.template, self.params = template, params

    def __str__(self) -> str:
        params = {k: str(v) for k, v in self.params.items()}
        return str(self.template) % params if params else str(self.template)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class CellError(ValueError):
    """A cell that cannot be read; ``key`` names the column when it is not the cell's own."""

    def __init__(self, code: str, key: str | None = None, **params: Any):
        super().__init__(code)
        self.problem = Problem.of(code, key, **params)
        self.key = key


class FileError(Invalid):
    """The file as a whole cannot be imported (nothing was checked or written)."""

    def __init__(self, code: str, **params: Any):
        self.problem = Problem.of(code, "file", **params)
        message = self.problem.english
        super().__init__(message, {"file": [message]})
        self.code = code
