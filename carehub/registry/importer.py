"""Bulk import of residents and caregivers from the spreadsheets stations keep (CSV or XLSX).

Every row goes through the same service as the forms (``create_resident``, ``create_caregiver``),
so the rules live in one place. All rows run inside one database transaction, each service call in
its own SAVEPOINT: a preview rolls the whole transaction back, an import commits it only when every
row passed. Nothing is kept in process memory between requests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import require_write
from carehub.common.errors import CareHubError, Invalid
from carehub.extensions import db
from carehub.registry import importer_columns as cols
from carehub.registry.models import Provider, Station

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10  # sheets often carry a title line or two above the header


@contextmanager
def one_transaction(savepoints: bool = True) -> Iterator[Batch]:
    """Run services that commit per record inside one database transaction.

    ``db.session`` is swapped for a session joined to an outer transaction: a service's commit()
    does not end it, and the caller decides at the end whether the whole lot is kept
    (``batch.commit()``). With ``savepoints`` each service call runs in a SAVEPOINT, so that its
    rollback() undoes only its own record; without, one failure spoils the batch (but saves two
    round trips a record).
    """
    conn = db.engine.connect()
    outer = conn.begin()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")  # pysqlite defers BEGIN: a bare SAVEPOINT would autocommit
    mode = "create_savepoint" if savepoints else "rollback_only"
    session = Session(bind=conn, join_transaction_mode=mode, expire_on_commit=False)
    registry = db.session.registry
    previous = registry()
    registry.set(session)
    try:
        yield Batch(session, outer)
    finally:
        registry.set(previous)
        session.close()
        if outer.is_active:
            outer.rollback()
        conn.close()


@dataclass
class Batch:
    session: Session
    outer: Any

    def commit(self) -> None:
        self.session.commit()
        self.outer.commit()


@dataclass
class RowResult:
    row: int  # the row number the spreadsheet shows (the header row counts)
    label: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    record_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        return "ok" if self.ok else "error"

    def add(self, column: str, message: str) -> None:
        messages = self.errors.setdefault(column, [])
        if message not in messages:
            messages.append(message)


@dataclass
class ImportResult:
    kind: str
    filename: str
    rows: list[RowResult]
    ignored_columns: list[str]
    imported: bool = False

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def invalid(self) -> int:
        return sum(not r.ok for r in self.rows)

    @property
    def valid(self) -> int:
        return self.total - self.invalid

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.invalid == 0

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]

    @property
    def created_ids(self) -> list[int]:
        return [r.record_id for r in self.rows if r.record_id is not None]


class ImportRejected(Invalid):
    """An import refused because some rows are bad; nothing was written."""

    def __init__(self, result: ImportResult):
        errors = {
            f"rows.{r.row}.{column}": messages
            for r in result.bad_rows
            for column, messages in r.errors.items()
        }
        super().__init__(
            f"{result.invalid} of {result.total} rows have problems; nothing was imported", errors
        )
        self.result = result


def preview(actor: User, kind: str, filename: str, data: bytes) -> ImportResult:
    """Check every row as an import would, and write nothing."""
    return _run(actor, kind, filename, data, write=False)


def import_(actor: User, kind: str, filename: str, data: bytes) -> ImportResult:
    """Create every row, or nothing at all (raises ImportRejected naming every bad row)."""
    result = _run(actor, kind, filename, data, write=True)
    if not result.imported:
        raise ImportRejected(result)
    return result


def _run(actor: User, kind: str, filename: str, data: bytes, write: bool) -> ImportResult:
    spec = cols.spec_for(kind)
    require_write(actor, spec.writers)
    table = read_table(filename, data)
    header_row, columns, ignored = map_header(table, spec)
    lookups = _lookups(actor)
    body = [(n, cells) for n, cells in table if n > header_row and any(_filled(c) for c in cells)]
    if not body:
        raise _file_error("the file has a header but no rows")
    if len(body) > MAX_ROWS:
        raise _file_error(f"at most {MAX_ROWS} rows per import; split the file")
    with one_transaction() as batch:
        checker = _RowChecker(actor, spec, columns, lookups)
        result = ImportResult(
            kind, filename, [checker.check(n, cells) for n, cells in body], ignored
        )
        if write and result.ok:
            _record_import(actor, spec, result, lookups)
            batch.commit()
            result.imported = True
    if not result.imported:
        for row in result.rows:
            row.record_id = None  # rolled back: the ids were never real
    return result


def _record_import(actor: User, spec: cols.Spec, result: ImportResult, lookups: dict) -> None:
    """One event summarises the import; each record also has its own ``create`` event."""
    ids = [r.record_id for r in result.rows]
    stations = sorted({lookups["station_of"][i] for i in ids})
    summary = {"filename": result.filename, "rows": result.total, "ids": ids}
    record(actor, "import", spec.entity, None, stations[0] if len(stations) == 1 else None, summary)


# --- reading files ---------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[tuple[int, list[Any]]]:
    """The sheet as (row number, cells), whatever the format; refuses what it cannot read."""
    if not data:
        raise _file_error("the file is empty")
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024
    if len(data) > limit:
        raise _file_error(f"the file is larger than {limit // (1024 * 1024)} MB")
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if ext == "xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _file_error("old Excel .xls files cannot be read: save the sheet as .xlsx or CSV")
    if ext not in ("csv", "txt", "") or b"\x00" in data[:4096]:
        raise _file_error("unsupported file type: upload a CSV or an Excel .xlsx file")
    return _read_csv(data)


def _read_csv(data: bytes) -> list[tuple[int, list[Any]]]:
    text = _decode(data)
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count) if sample else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _capped(enumerate(reader, start=1))
    except csv.Error as exc:
        raise _file_error(f"cannot read the CSV file: {exc}") from None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB 18030, the superset of the GBK Excel writes in China."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error("cannot read the text: save the CSV as UTF-8 or GBK")


def _read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _file_error("cannot open the Excel file: is it a valid .xlsx?") from None
    try:
        return _capped(_numbered(book.worksheets[0].iter_rows()))
    except Exception:  # a damaged sheet fails in many ways (XML, zip, values); all mean the same
        raise _file_error("cannot read the Excel sheet: it seems damaged") from None
    finally:
        book.close()


def _numbered(rows) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    for cells in rows:
        number = next((c.row for c in cells if getattr(c, "row", None)), number + 1)
        yield number, [c.value for c in cells]


def _capped(rows) -> list[tuple[int, list[Any]]]:
    """The rows until it is clear there are too many (a 10 MB XLSX may hold millions)."""
    limit = MAX_ROWS + HEADER_SEARCH_ROWS + 1
    kept, filled = [], 0
    for number, cells in rows:
        kept.append((number, cells))
        filled += any(_filled(c) for c in cells)
        if filled >= limit:
            break
    return kept


def map_header(table, spec: cols.Spec) -> tuple[int, dict[str, tuple[int, str]], list[str]]:
    """Find the header row; return it, {column key: (index, header as written)}, ignored headers."""
    found = next((row for row in table[:HEADER_SEARCH_ROWS] if _is_header(row[1], spec)), None)
    if found is None:
        hint = spec.header_hint
        raise _file_error(f"no header row found: the first row should name the columns ({hint})")
    number, cells = found
    keys = [spec.key_for(c) for c in cells]
    columns: dict[str, tuple[int, str]] = {}
    ignored: list[str] = []
    for index, (cell, key) in enumerate(zip(cells, keys, strict=True)):
        header = str(cell).strip() if cell is not None else ""
        if key is None:
            if header:
                ignored.append(header)
        elif key in columns:
            raise _file_error(f"two columns mean the same thing: {columns[key][1]} and {header}")
        else:
            columns[key] = (index, header)
    missing = [c.header for c in spec.columns if c.required and c.key not in columns]
    if missing:
        raise _file_error(f"missing columns: {', '.join(missing)}")
    return number, columns, ignored


def _is_header(cells: list[Any], spec: cols.Spec) -> bool:
    keys = [spec.key_for(c) for c in cells]
    return "name" in keys and sum(k is not None for k in keys) >= 2


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _file_error(message: str) -> Invalid:
    return Invalid(message, {"file": [message]})


# --- checking rows ---------------------------------------------------------------------------


def _lookups(actor: User) -> dict:
    """Stations and providers a row may name, read once and limited to what the actor may use."""
    query = select(Station)
    if not actor.district_wide:
        query = query.where(Station.id.in_(actor.station_ids or {-1}))
    stations: dict[str, int] = {}
    for station in db.session.scalars(query):
        stations[station.code.upper()] = station.id
        stations.setdefault(station.name, station.id)
    providers: dict[str, int] = {}
    provider_query = select(Provider)
    if actor.role == "provider_manager":
        provider_query = provider_query.where(Provider.id == (actor.provider_id or -1))
    for provider in db.session.scalars(provider_query):
        providers[provider.credit_code.upper()] = provider.id
        providers.setdefault(provider.name, provider.id)
    return {"stations": stations, "providers": providers, "station_of": {}}


class _RowChecker:
    """Turns one sheet row into a service payload, runs the service, names each problem's column."""

    def __init__(self, actor: User, spec: cols.Spec, columns: dict, lookups: dict):
        self.actor, self.spec, self.columns, self.lookups = actor, spec, columns, lookups
        self.seen: dict[str, int] = {}

    def header(self, key: str | None) -> str:
        if key is None:
            return "row"
        return self.columns[key][1] if key in self.columns else self.spec.column(key).header

    def check(self, number: int, cells: list[Any]) -> RowResult:
        values = {
            key: cells[index] for key, (index, _) in self.columns.items() if index < len(cells)
        }
        result = RowResult(number, str(values.get("name") or "").strip() or "—")
        payload = self._payload(values, result)
        self._duplicate_in_file(payload, result)
        bad_columns = set(result.errors)
        try:
            created = self.spec.create(self.actor, payload)
        except CareHubError as exc:
            db.session.rollback()
            for name, messages in (exc.errors or {"_": [exc.message]}).items():
                column = self.header(self.spec.column_for_field(name))
                if column in bad_columns:
                    continue  # already explained by the cell's own problem
                for message in messages:
                    result.add(column, message)
        else:
            result.record_id = created.id
            self.lookups["station_of"][created.id] = created.station_id
        return result

    def _payload(self, values: dict, result: RowResult) -> dict:
        payload: dict[str, Any] = {}
        context = {**self.lookups, "actor": self.actor, "values": values}
        for key, raw in values.items():
            if not _filled(raw):
                continue
            column = self.spec.column(key)
            try:
                column.store(payload, column.convert(raw, context))
            except cols.CellError as exc:
                result.add(self.header(key), str(exc))
        try:
            self.spec.complete(payload, context)
        except cols.CellError as exc:
            result.add(self.header(exc.key), str(exc))
        return payload

    def _duplicate_in_file(self, payload: dict, result: RowResult) -> None:
        key = self.spec.identity(payload)
        if key is None:
            return
        if key in self.seen:
            result.add(
                self.header(self.spec.identity_column),
                f"the same {self.spec.identity_label} as row {self.seen[key]} of this file",
            )
        else:
            self.seen[key] = result.row
