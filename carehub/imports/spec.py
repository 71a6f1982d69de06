"""A domain's import spec: its columns (headers as stations write them, aliases), how a cell becomes a
payload field, and the service that creates one record. The engine knows nothing else of a domain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from carehub.auth.models import User
from carehub.common.errors import NotFound
from carehub.imports.problems import CellError
from carehub.imports.reading import Header, Row, filled

Convert = Callable[[Any, "Context"], Any]


@dataclass
class Context:
    """What every row of one import may use: the actor, the default station, batch lookups."""

    actor: User
    station_id: int | None = None  # where rows without a station go
    lookups: dict[str, Any] = field(default_factory=dict)


def text(value: Any, _ctx: Context | None = None) -> str:
    if isinstance(value, str):  # most cells: checked first, as every cell of a sheet comes here
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):  # a datetime is a date too
        raise CellError("date_not_text")
    return str(value).strip()


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header written in the template
    aliases: tuple[str, ...] = ()
    convert: Convert = text
    required: bool = False
    target: str | None = None  # dotted path in the payload; default: the key
    note: Any = ""  # what to write (a lazy translation), shown on the page and in the template
    as_text: bool = False  # formatted as text in the XLSX template (ID and phone numbers)

    @property
    def spellings(self) -> list[str]:
        """The other Chinese headers this column is known by (shown on the upload page)."""
        return [a for a in self.aliases if not a.isascii()]

    def store(self, payload: dict, value: Any) -> None:
        *parents, leaf = (self.target or self.key).split(".")
        for part in parents:
            payload = payload.setdefault(part, {})
        payload[leaf] = value


def normalise_header(raw: Any) -> str:
    """ "身份证号码（18位）*" and "身份证号码" are one header; so are "Name" and "name"."""
    value = re.sub(r"[\s*＊:：]", "", str(raw or ""))
    return re.split(r"[(（]", value)[0].lower()


@dataclass
class Spec:
    """How one kind of record is imported. ``create`` is the domain's service for one record: the
    engine runs it in a SAVEPOINT per row, so the rules stay in the service."""

    kind: str
    entity: str
    writers: frozenset[str]
    columns: tuple[Column, ...]
    fields: dict[str, str]  # service error field (indices dropped) -> column key
    create: Callable[[User, dict, Context], Any]
    title: Any = ""
    list_endpoint: str | None = None
    identity_column: str | None = None
    identity_what: str = "id_number"
    identity: Callable[[dict], Any] = lambda _payload: None
    complete: Callable[[dict, Context], None] = lambda _payload, _ctx: None
    prepare: Callable[[Context, list[dict]], None] = lambda _ctx, _payloads: None
    station_column: str | None = None  # a column that may be left out: the chosen station fills it
    station_of: Callable[[Any], int | None] = lambda record: getattr(record, "station_id", None)
    # what the preview calls a row (default: its name column)
    label: Callable[[dict], str] = lambda values: str(values.get("name") or "").strip() or "—"
    # Optional fast path for large sheets: ``build`` checks one row as ``create`` would and returns
    # what to write, without touching the database; ``save_many`` writes all clean rows at once
    # (bulk INSERTs) and returns their ids. On a conflict the engine falls back to ``create`` row
    # by row, so the answer is the same, only slower.
    build: Callable[[User, dict, Context], BuiltRow] | None = None
    save_many: Callable[[User, list[BuiltRow]], list[int]] | None = None
    _keys: dict[str, str] = field(default_factory=dict)
    _by_key: dict[str, Column] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_key = {c.key: c for c in self.columns}
        for column in self.columns:
            for name in (column.header, column.key, *column.aliases):
                self._keys.setdefault(normalise_header(name), column.key)

    def key_for(self, header: Any) -> str | None:
        return self._keys.get(normalise_header(header)) if filled(header) else None

    def column(self, key: str) -> Column:
        return self._by_key[key]

    def column_for_field(self, name: str) -> str | None:
        plain = ".".join(p for p in name.split(".") if not p.isdigit())
        return self.fields.get(plain) or self.fields.get(plain.split(".")[0])

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required and c.key != self.station_column]

    def find_header(self, rows: list[Row]) -> Header | None:
        """The row among ``rows`` that names most known columns (at least two, one required)."""
        best: tuple[int, Row] | None = None
        required = {c.key for c in self.required}
        for row in rows:
            keys = {self.key_for(c) for c in row[1]} - {None}
            if len(keys) >= 2 and keys & required and (best is None or len(keys) > best[0]):
                best = (len(keys), row)
        return None if best is None else self._header(best[1])

    def _header(self, row: Row) -> Header:
        from carehub.imports.problems import FileError

        number, cells = row
        columns: dict[str, tuple[int, str]] = {}
        ignored: list[str] = []
        for index, cell in enumerate(cells):
            key, header = self.key_for(cell), str(cell).strip() if filled(cell) else ""
            if key is None:
                if header:
                    ignored.append(header)
            elif key in columns:
                raise FileError("same_column_twice", a=columns[key][1], b=header)
            else:
                columns[key] = (index, header)
        return Header(number, columns, ignored)


class UseService(Exception):
    """Raised by ``Spec.build`` for a row the fast path should not judge (say, an ID number already
    registered: what to answer is the service's rule); the engine runs ``create`` for it instead."""


@dataclass
class BuiltRow:
    """One row made ready by ``Spec.build``, for ``Spec.save_many`` to write."""

    record: Any
    station_id: int | None = None


SPECS: dict[str, Spec] = {}


def register(spec: Spec) -> Spec:
    """Make a kind importable (pages, API, templates); a domain calls this for each of its sheets."""
    SPECS[spec.kind] = spec
    return spec


def spec_for(kind: str) -> Spec:
    if kind not in SPECS:
        kinds = ", ".join(SPECS)
        message = _l("Nothing to import as %(kind)s: use %(kinds)s.", kind=kind, kinds=kinds)
        raise NotFound(message, code="not_found")
    return SPECS[kind]
