"""Reader for Solomon (1987) VRPTW text files.

The files carry Windows line endings and free whitespace; we split lines and
tokens rather than relying on column positions. Index 0 is the depot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

_ROW_FIELDS = 7  # number, x, y, demand, ready, due, service


@dataclass(frozen=True)
class SolomonInstance:
    """One VRPTW instance; every per-node tuple has the depot at index 0."""

    name: str
    vehicles: int
    capacity: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    demand: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    service: tuple[float, ...]

    @property
    def n_customers(self) -> int:
        return len(self.x) - 1

    def distance(self, i: int, j: int) -> float:
        """Euclidean distance in full double precision (also the travel time)."""
        return math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])


def read_solomon(path: str | PathLike[str]) -> SolomonInstance:
    """Parse a Solomon file; raise ValueError naming the line on malformed input."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    numbered = [(no, line.strip()) for no, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise ValueError(f"{path}: empty file")
    name = numbered[0][1]
    vehicle_at = _find_keyword(path, numbered, "VEHICLE")
    customer_at = _find_keyword(path, numbered, "CUSTOMER")
    vehicles, capacity = _vehicle_block(path, numbered[vehicle_at + 1 : customer_at])
    rows = _customer_rows(path, numbered[customer_at + 1 :])
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        x=tuple(r[1] for r in rows),
        y=tuple(r[2] for r in rows),
        demand=tuple(int(r[3]) for r in rows),
        ready=tuple(r[4] for r in rows),
        due=tuple(r[5] for r in rows),
        service=tuple(r[6] for r in rows),
    )


def _find_keyword(path: Path, numbered: list[tuple[int, str]], word: str) -> int:
    for pos, (_, text) in enumerate(numbered):
        if text.upper() == word:
            return pos
    raise ValueError(f"{path}: missing {word} block")


def _vehicle_block(path: Path, block: list[tuple[int, str]]) -> tuple[int, int]:
    """The VEHICLE block is a NUMBER/CAPACITY header then one line of two integers."""
    values = [(no, text) for no, text in block if not text.upper().startswith("NUMBER")]
    if len(values) != 1:
        raise ValueError(f"{path}: VEHICLE block must hold one 'number capacity' line")
    no, text = values[0]
    tokens = text.split()
    if len(tokens) != 2:
        raise ValueError(f"{path}: line {no}: VEHICLE block expects 2 values, got {len(tokens)}")
    vehicles, capacity = (_int(path, no, "VEHICLE", t) for t in tokens)
    if vehicles < 1 or capacity < 0:
        raise ValueError(f"{path}: line {no}: VEHICLE number must be >= 1 and capacity >= 0")
    return vehicles, capacity


def _customer_rows(path: Path, block: list[tuple[int, str]]) -> list[tuple[float, ...]]:
    """Customer rows after the column header; numbers must run 0, 1, 2, ..."""
    rows: list[tuple[float, ...]] = []
    for no, text in block:
        if text.upper().startswith("CUST"):
            continue
        tokens = text.split()
        if len(tokens) != _ROW_FIELDS:
            raise ValueError(
                f"{path}: line {no}: CUSTOMER row expects {_ROW_FIELDS} values, got {len(tokens)}"
            )
        row = tuple(_float(path, no, "CUSTOMER", t) for t in tokens)
        if row[0] != len(rows):
            raise ValueError(
                f"{path}: line {no}: CUSTOMER number {tokens[0]}, expected {len(rows)}"
            )
        if row[3] != int(row[3]) or row[3] < 0:
            raise ValueError(f"{path}: line {no}: CUSTOMER demand must be a non-negative integer")
        if row[4] > row[5]:
            raise ValueError(f"{path}: line {no}: CUSTOMER ready time after due date")
        rows.append(row)
    if len(rows) < 2:
        raise ValueError(f"{path}: CUSTOMER block needs the depot and at least one customer")
    return rows


def _float(path: Path, no: int, block: str, token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ValueError(f"{path}: line {no}: {block} value {token!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{path}: line {no}: {block} value {token!r} is not finite")
    return value


def _int(path: Path, no: int, block: str, token: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise ValueError(f"{path}: line {no}: {block} value {token!r} is not an integer") from None
