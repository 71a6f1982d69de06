"""The import engine: read a sheet, map its header, check every row through the domain's service,
then preview (write nothing) or import (every row, or nothing at all).

The whole import is one unit of work (``carehub.common.tx``): each row runs in a SAVEPOINT, so a bad
row rolls back only itself and every row is checked; an import commits once, only when every row
passed. Nothing is kept in process memory between requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import require_write
from carehub.common.errors import CareHubError, Invalid, code_of
from carehub.common.tx import commit, unit_of_work
from carehub.extensions import db
from carehub.imports import reading
from carehub.imports.problems import CellError, FileError, Problem
from carehub.imports.reading import Header, Row, filled, is_totals_or_note
from carehub.imports.spec import BuiltRow, Context, Spec, UseService, spec_for
from carehub.registry.models import Provider, Station

WHOLE_ROW = "row"


@dataclass
class RowResult:
    row: int  # the row number the spreadsheet shows (the header row counts)
    label: str
    problems: list[tuple[str, Problem]] = field(
        default_factory=list
    )  # (column as written, problem)
    record_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        return "ok" if self.ok else "error"

    @property
    def errors(self) -> dict[str, list[str]]:
        """Problems by column, in the current language."""
        return _grouped(self.problems, lambda p: p.text)

    @property
    def codes(self) -> dict[str, list[str]]:
        return _grouped(self.problems, lambda p: p.code)

    def add(self, column: str, problem: Problem) -> None:
        if (column, problem) not in self.problems:
            self.problems.append((column, problem))


def _grouped(problems: list[tuple[str, Problem]], show) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for column, problem in problems:
        out.setdefault(column, []).append(show(problem))
    return out


@dataclass
class ImportResult:
    kind: str
    filename: str
    rows: list[RowResult]
    ignored_columns: list[str]
    header_row: int = 1
    station_id: int | None = None  # where rows without a station went
    skipped_rows: list[int] = field(default_factory=list)  # totals and notes lines
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
        errors: dict[str, list[str]] = {}
        for row in result.bad_rows:
            for column, problem in row.problems:
                errors.setdefault(f"rows.{row.row}.{column}", []).append(problem.english)
        super().__init__(
            f"{result.invalid} of {result.total} rows have problems; nothing was imported", errors
        )
        self.result = result


def preview(actor: User, kind: str, filename: str, data: bytes, station_id=None) -> ImportResult:
    """Check every row as an import would, and write nothing."""
    return _run(actor, kind, filename, data, station_id, write=False)


def import_(actor: User, kind: str, filename: str, data: bytes, station_id=None) -> ImportResult:
    """Create every row, or nothing at all (raises ImportRejected naming every bad row)."""
    result = _run(actor, kind, filename, data, station_id, write=True)
    if not result.imported:
        raise ImportRejected(result)
    return result


def _run(actor, kind, filename, data, station_id, write: bool) -> ImportResult:
    spec = spec_for(kind)
    require_write(actor, spec.writers)
    table = reading.read_table(filename, data)
    header = _header(spec, table)
    body, skipped = _body(table, header)
    ctx = Context(actor, lookups=_lookups(actor))
    ctx.station_id = _default_station(spec, header, ctx, station_id)
    result = ImportResult(kind, filename, [], header.ignored, header.row, ctx.station_id, skipped)
    with unit_of_work():
        checked = [_convert(spec, header, ctx, number, cells) for number, cells in body]
        _duplicates_in_file(spec, header, checked)
        spec.prepare(ctx, [payload for _, payload in checked])
        if spec.build is not None:
            _build_all(spec, header, ctx, checked)
        else:
            for row, payload in checked:
                _create(spec, header, ctx, row, payload)
        result.rows = [row for row, _ in checked]
        if write and result.ok:
            _record_import(actor, spec, result, ctx)
            commit()
            result.imported = True
    if not result.imported:
        for row in result.rows:
            row.record_id = None  # rolled back: the ids were never real
    return result


# --- the sheet around the rows ----------------------------------------------------------------


def _header(spec: Spec, table: list[Row]) -> Header:
    header = spec.find_header(table[: reading.HEADER_SEARCH_ROWS])
    if header is None:
        hint = "、".join(c.header for c in spec.required)
        raise FileError("no_header", rows=reading.HEADER_SEARCH_ROWS, columns=hint)
    missing = [c.header for c in spec.required if not header.has(c.key)]
    if missing:
        raise FileError("missing_columns", columns="、".join(missing))
    return header


def _body(table: list[Row], header: Header) -> tuple[list[Row], list[int]]:
    """Data rows below the header: blank lines dropped, totals and notes lines set aside."""
    mapped = [index for index, _ in header.columns.values()]
    body, skipped = [], []
    for number, cells in table:
        if number <= header.row or not any(filled(c) for c in cells):
            continue
        if is_totals_or_note(cells):
            skipped.append(number)
        elif any(index < len(cells) and filled(cells[index]) for index in mapped):
            body.append((number, cells))
    if not body:
        raise FileError("no_rows")
    if len(body) > reading.MAX_ROWS:
        raise FileError("too_many_rows", rows=reading.MAX_ROWS)
    return body, skipped


def _lookups(actor: User) -> dict[str, Any]:
    """Stations and providers a row may name, read once and limited to what the actor may use.

    The Station objects are kept so that the services find them in the session, not the database.
    """
    query = select(Station)
    if not actor.district_wide:
        query = query.where(Station.id.in_(actor.station_ids or {-1}))
    objects = list(db.session.scalars(query.order_by(Station.code)))
    stations: dict[str, int] = {}
    for station in objects:
        stations[station.code.upper()] = station.id
        stations.setdefault(station.name, station.id)
    providers: dict[str, int] = {}
    provider_query = select(Provider)
    if actor.role == "provider_manager":
        provider_query = provider_query.where(Provider.id == (actor.provider_id or -1))
    for provider in db.session.scalars(provider_query):
        providers[provider.credit_code.upper()] = provider.id
        providers.setdefault(provider.name, provider.id)
    return {"stations": stations, "station_objects": objects, "providers": providers}


def _default_station(spec: Spec, header: Header, ctx: Context, chosen) -> int | None:
    """Where rows without a station go: the one chosen, else the actor's only station."""
    if spec.station_column is None:
        return None
    own = {s.id for s in ctx.lookups["station_objects"]}
    if chosen not in (None, ""):
        try:
            station_id = int(chosen)
        except (TypeError, ValueError):
            station_id = None
        if station_id not in own:
            raise FileError("unknown_default_station")
        return station_id
    if len(own) == 1:
        return next(iter(own))
    if not header.has(spec.station_column):
        raise FileError("choose_station")
    return None


# --- the rows ---------------------------------------------------------------------------------


def _column_name(spec: Spec, header: Header, key: str | None) -> str:
    if key is None:
        return WHOLE_ROW
    return header.written(key) or spec.column(key).header


def _convert(spec: Spec, header: Header, ctx: Context, number: int, cells: list[Any]):
    """The row as a service payload, with a problem for every cell that cannot be read."""
    values = {key: cells[i] for key, (i, _) in header.columns.items() if i < len(cells)}
    row = RowResult(number, spec.label(values))
    payload: dict[str, Any] = {}
    for key, raw in values.items():
        if not filled(raw):
            continue
        column = spec.column(key)
        try:
            column.store(payload, column.convert(raw, ctx))
        except CellError as exc:
            row.add(_column_name(spec, header, key), exc.problem)
    if spec.station_column and ctx.station_id is not None:
        target = spec.column(spec.station_column).target or spec.station_column
        payload.setdefault(target, ctx.station_id)
    try:
        spec.complete(payload, ctx)
    except CellError as exc:
        row.add(_column_name(spec, header, exc.key), exc.problem)
    return row, payload


def _duplicates_in_file(spec: Spec, header: Header, checked) -> None:
    seen: dict[Any, int] = {}
    for row, payload in checked:
        key = spec.identity(payload)
        if key is None:
            continue
        if key in seen:
            column = _column_name(spec, header, spec.identity_column)
            what = spec.identity_what
            row.add(column, Problem.of("duplicate_in_file", spec.identity_column,
                                       what=_what(what), row=seen[key]))  # fmt: skip
        else:
            seen[key] = row.row


def _what(what: str):
    from carehub.imports.problems import WHATS

    return WHATS.get(what, what)


def _create(spec: Spec, header: Header, ctx: Context, row: RowResult, payload: dict) -> None:
    """Run the domain's service for one row in a SAVEPOINT; keep it only if the row is clean.

    The service runs even when a cell was unreadable, so that every other problem of the row is
    named too (one error must not hide another); problems of a column already named are dropped.
    """
    savepoint = db.session.begin_nested()
    try:
        created = spec.create(ctx.actor, payload, ctx)
    except CareHubError as exc:
        savepoint.rollback()
        _name_problems(spec, header, row, exc)
        return
    if row.problems:
        savepoint.rollback()
        return
    savepoint.commit()
    row.record_id = created.id
    ctx.lookups.setdefault("station_of", {})[created.id] = spec.station_of(created)


def _build_all(spec: Spec, header: Header, ctx: Context, checked) -> None:
    """The fast path: every row checked in memory, the clean ones saved by ``spec.save_many`` in a
    few bulk INSERTs, in one SAVEPOINT.

    Should the database still refuse something (a record registered meanwhile by someone else),
    the batch is rolled back and the rows go through ``create`` one by one to name the culprit.
    """
    built: list[tuple[RowResult, dict, BuiltRow]] = []
    for row, payload in checked:
        try:
            item = spec.build(ctx.actor, payload, ctx)  # must leave the payload as it is
        except CareHubError as exc:
            _name_problems(spec, header, row, exc)
            continue
        except UseService:
            _create(spec, header, ctx, row, payload)
            continue
        if row.ok:
            built.append((row, payload, item))
    if not built:
        return
    savepoint = db.session.begin_nested()
    try:
        ids = spec.save_many(ctx.actor, [item for _, _, item in built])
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        for row, payload, _ in built:
            _create(spec, header, ctx, row, payload)
        return
    savepoint.commit()
    for (row, _, item), record_id in zip(built, ids, strict=True):
        row.record_id = record_id
        ctx.lookups.setdefault("station_of", {})[record_id] = item.station_id


def _name_problems(spec: Spec, header: Header, row: RowResult, exc: CareHubError) -> None:
    """The service's problems at their columns; a column whose cell was unreadable is explained."""
    explained = {column for column, _ in row.problems}
    for name, messages in (exc.lazy_errors or {None: [exc.lazy_message]}).items():
        key = spec.column_for_field(name) if name else None
        column = _column_name(spec, header, key)
        if column in explained:
            continue
        for message in messages:
            row.add(column, Problem(code_of(message) or _code(exc), message, name))


def _code(exc: CareHubError) -> str:
    return getattr(exc, "code", None) or type(exc).__name__.lower()


def _record_import(actor: User, spec: Spec, result: ImportResult, ctx: Context) -> None:
    """One event summarises the import; each record also has its own ``create`` event."""
    ids = result.created_ids
    stations = sorted({s for s in ctx.lookups.get("station_of", {}).values() if s is not None})
    summary = {"filename": result.filename, "rows": result.total, "ids": ids}
    station = stations[0] if len(stations) == 1 else None
    record(actor, "import", spec.entity, None, station, summary)
