"""Form plumbing shared by the registry pages.

Pages use Flask-WTF only for CSRF. Each form is parsed into the payload dict the service expects,
and a service error (``Invalid``/``Conflict``, keyed by payload path such as
``family_members.0.phone``) is mapped back onto the form field the person typed into, so the form
can be shown again with every message in place and nothing the person typed lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from carehub.ui import label

_ROW_KEY = re.compile(r"^(?P<group>[a-z_]+)-(?P<index>\d+)-(?P<key>[a-z_]+)$")
_INT = re.compile(r"^-?\d+$")


@dataclass
class FormState:
    """What a form shows: values typed (or stored), repeated rows, and errors by field."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(
        default_factory=list
    )  # (input id, message) for the summary

    def value(self, name: str) -> str:
        return self.values.get(name) or ""

    def checked(self, name: str, code: str) -> bool:
        return str(code) in self.lists.get(name, [])

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general)


def state_from_form(
    form: MultiDict, list_fields: Iterable[str] = (), row_groups: dict[str, int] | None = None
) -> FormState:
    """The form as typed, to show again; each row group keeps at least its minimum of rows."""
    lists = {name: form.getlist(name) for name in list_fields}
    values = {k: v for k, v in form.items() if k not in lists and not _ROW_KEY.match(k)}
    rows: dict[str, list[dict[str, str]]] = {}
    for group, minimum in (row_groups or {}).items():
        found = posted_rows(form, group)
        count = max(minimum, (max(found) + 1) if found else 0)
        rows[group] = [found.get(i, {}) for i in range(count)]
    return FormState(values=values, lists=lists, rows=rows)


def posted_rows(form: MultiDict, group: str) -> dict[int, dict[str, str]]:
    """Rows of a repeated group (``group-N-key`` inputs), by their index on the form."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = _ROW_KEY.match(key)
        if match and match["group"] == group:
            rows.setdefault(int(match["index"]), {})[match["key"]] = value.strip()
    return dict(sorted(rows.items()))


def filled_rows(
    form: MultiDict, group: str, flags: Iterable[str] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Rows with something typed in them (a ticked box alone does not make a row)."""
    flags = set(flags)
    return [
        (index, row)
        for index, row in posted_rows(form, group).items()
        if any(v for k, v in row.items() if k not in flags and k != "id")
    ]


def opt_int(raw: str | None):
    """An integer when the text is one; otherwise the text, for the schema to refuse by name."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if _INT.match(raw) else raw


def opt_float(raw: str | None):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


def opt_text(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    return raw or None


def place_errors(
    state: FormState,
    errors: dict[str, list[str]],
    fields: Iterable[str],
    row_maps: dict[str, list[int]] | None = None,
) -> FormState:
    """Put each service error at its form field; keys with no field on the form go on top.

    ``row_maps[group][i]`` is the form row that became item ``i`` of the payload list, since blank
    rows are left out of the payload.
    """
    known, row_maps = set(fields), row_maps or {}
    for key, messages in errors.items():
        target = _form_key(key, known, row_maps)
        texts = list(messages)
        if target is None:
            name = key.split(".")[0]
            state.general.extend(
                t if name == "_schema" else _("%(field)s: %(message)s", field=label("field", name),
                                              message=t)
                for t in texts
            )  # fmt: skip
        else:
            state.errors.setdefault(target, []).extend(texts)
            state.links.extend(
                (target, _("%(field)s: %(message)s", field=_field_name(target), message=t))
                for t in texts
            )
    return state


def _field_name(target: str) -> str:
    """How the summary above a form names a field: "Family members 2 · Phone"."""
    match = _ROW_KEY.match(target)
    if not match:
        return label("field", target)
    return _("%(group)s %(n)s · %(field)s", group=label("field", match["group"]),
             n=int(match["index"]) + 1, field=label("field", match["key"]))  # fmt: skip


def _form_key(key: str, known: set[str], row_maps: dict[str, list[int]]) -> str | None:
    parts = key.split(".")
    head = parts[0]
    if head in row_maps:
        if len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            rows = row_maps[head]
            row = rows[index] if index < len(rows) else index
            return f"{head}-{row}-{parts[2]}"
        return head
    if head in known:
        return head  # e.g. "categories.0" is reported on the checkbox group
    return None
