"""Reader for the Mankowska et al. (2014) home health care (HHCRSP) text files.

Each block is a keyword line followed by whitespace-separated values. The `p`
block has nbNodes * nbVehi rows (node-major); the processing time of a node is
its first caregiver's row, and we refuse files whose caregiver rows differ,
because the instance model has one processing time per node and service.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

_KEYWORDS = ("nbNodes", "nbVehi", "nbServi", "r", "DS", "a", "x", "y", "d", "p")
_NODE_VECTORS = ("mind", "maxd", "e", "l")
_KEYWORD_RE = re.compile(r"[A-Za-z]\w*")

Token = tuple[int, str]  # (line number, text)


@dataclass(frozen=True)
class HhcInstance:
    """Node 0 is the start depot, node n_nodes-1 the end depot; patients are between."""

    name: str
    n_nodes: int
    n_vehicles: int
    n_services: int
    requires: tuple[tuple[int, ...], ...]
    double_service: frozenset[int]
    qualified: tuple[tuple[int, ...], ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    dist: tuple[tuple[float, ...], ...]
    proc: tuple[tuple[float, ...], ...]
    min_gap: tuple[float, ...]
    max_gap: tuple[float, ...]
    earliest: tuple[float, ...]
    latest: tuple[float, ...]

    @property
    def patients(self) -> range:
        return range(1, self.n_nodes - 1)

    def services_of(self, node: int) -> tuple[int, ...]:
        """Required services of a patient in index order (empty for the depots)."""
        if node <= 0 or node >= self.n_nodes - 1:
            return ()
        return tuple(s for s, need in enumerate(self.requires[node]) if need)


def read_hhcrsp(path: str | PathLike[str]) -> HhcInstance:
    """Parse an HHCRSP file; raise ValueError naming the block and line on bad input."""
    path = Path(path)
    blocks = _split_blocks(path, path.read_text(encoding="utf-8-sig").splitlines())
    reader = _BlockReader(path, blocks)
    n_nodes = reader.scalar("nbNodes", minimum=3)
    n_vehi = reader.scalar("nbVehi", minimum=1)
    n_serv = reader.scalar("nbServi", minimum=1)
    requires = reader.binary_matrix("r", n_nodes, n_serv)
    qualified = reader.binary_matrix("a", n_vehi, n_serv)
    dist = reader.matrix("d", n_nodes, n_nodes)
    inst = HhcInstance(
        name=path.stem,
        n_nodes=n_nodes,
        n_vehicles=n_vehi,
        n_services=n_serv,
        requires=requires,
        double_service=reader.double_services(n_nodes),
        qualified=qualified,
        x=reader.vector("x", n_nodes),
        y=reader.vector("y", n_nodes),
        dist=dist,
        proc=reader.node_processing(n_nodes, n_vehi, n_serv),
        min_gap=reader.vector("mind", n_nodes),
        max_gap=reader.vector("maxd", n_nodes),
        earliest=reader.vector("e", n_nodes),
        latest=reader.vector("l", n_nodes),
    )
    _check_patients(path, inst)
    return inst


def _split_blocks(path: Path, lines: list[str]) -> dict[str, list[Token]]:
    """Group value tokens under the keyword line that precedes them."""
    blocks: dict[str, list[Token]] = {}
    current: str | None = None
    for no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if _KEYWORD_RE.fullmatch(text):
            if text not in _KEYWORDS + _NODE_VECTORS:
                raise ValueError(f"{path}: line {no}: unknown block {text!r}")
            if text in blocks:
                raise ValueError(f"{path}: line {no}: block {text!r} appears twice")
            blocks[text] = []
            current = text
            continue
        if current is None:
            raise ValueError(f"{path}: line {no}: values before the first block keyword")
        blocks[current].extend((no, tok) for tok in text.split())
        blocks[current].append((no, "\n"))  # row marker, for row-shaped blocks
    missing = [k for k in _KEYWORDS + _NODE_VECTORS if k not in blocks]
    if missing:
        raise ValueError(f"{path}: missing block(s) {', '.join(missing)}")
    return blocks


class _BlockReader:
    """Typed, shape-checked access to the raw blocks, with errors naming block and line."""

    def __init__(self, path: Path, blocks: dict[str, list[Token]]) -> None:
        self.path = path
        self.blocks = blocks

    def _fail(self, block: str, no: int | None, message: str) -> ValueError:
        where = f"line {no}: " if no is not None else ""
        return ValueError(f"{self.path}: {where}block {block!r}: {message}")

    def _values(self, block: str) -> list[Token]:
        return [t for t in self.blocks[block] if t[1] != "\n"]

    def _rows(self, block: str) -> list[list[Token]]:
        rows: list[list[Token]] = [[]]
        for tok in self.blocks[block]:
            if tok[1] == "\n":
                rows.append([])
            else:
                rows[-1].append(tok)
        return [r for r in rows if r]

    def _number(self, block: str, tok: Token) -> float:
        no, text = tok
        try:
            value = float(text)
        except ValueError:
            raise self._fail(block, no, f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise self._fail(block, no, f"{text!r} is not finite")
        return value

    def _integer(self, block: str, tok: Token) -> int:
        value = self._number(block, tok)
        if value != int(value):
            raise self._fail(block, tok[0], f"{tok[1]!r} is not an integer")
        return int(value)

    def scalar(self, block: str, minimum: int) -> int:
        values = self._values(block)
        if len(values) != 1:
            raise self._fail(
                block, _line(self.blocks[block]), f"expects 1 value, got {len(values)}"
            )
        value = self._integer(block, values[0])
        if value < minimum:
            raise self._fail(block, values[0][0], f"must be >= {minimum}, got {value}")
        return value

    def vector(self, block: str, size: int) -> tuple[float, ...]:
        values = self._values(block)
        if len(values) != size:
            raise self._fail(
                block, _line(self.blocks[block]), f"expects {size} values, got {len(values)}"
            )
        return tuple(self._number(block, t) for t in values)

    def matrix(self, block: str, n_rows: int, n_cols: int) -> tuple[tuple[float, ...], ...]:
        rows = self._rows(block)
        if len(rows) != n_rows:
            raise self._fail(
                block, _line(self.blocks[block]), f"expects {n_rows} rows, got {len(rows)}"
            )
        for row in rows:
            if len(row) != n_cols:
                raise self._fail(block, row[0][0], f"expects {n_cols} values, got {len(row)}")
        return tuple(tuple(self._number(block, t) for t in row) for row in rows)

    def binary_matrix(self, block: str, n_rows: int, n_cols: int) -> tuple[tuple[int, ...], ...]:
        self.matrix(block, n_rows, n_cols)  # shape and number checks
        out = []
        for row in self._rows(block):
            ints = tuple(self._integer(block, t) for t in row)
            if any(v not in (0, 1) for v in ints):
                raise self._fail(block, row[0][0], "values must be 0 or 1")
            out.append(ints)
        return tuple(out)

    def double_services(self, n_nodes: int) -> frozenset[int]:
        nodes = set()
        for tok in self._values("DS"):
            one_based = self._integer("DS", tok)
            if not 2 <= one_based <= n_nodes - 1:
                raise self._fail("DS", tok[0], f"node {one_based} is not a patient (1-based)")
            nodes.add(one_based - 1)
        return frozenset(nodes)

    def node_processing(
        self, n_nodes: int, n_vehi: int, n_serv: int
    ) -> tuple[tuple[float, ...], ...]:
        """Row i*nbVehi per node; the node's other caregiver rows must match it."""
        rows = self.matrix("p", n_nodes * n_vehi, n_serv)
        raw = self._rows("p")
        for node in range(n_nodes):
            first = rows[node * n_vehi]
            for k in range(1, n_vehi):
                if rows[node * n_vehi + k] != first:
                    no = raw[node * n_vehi + k][0][0]
                    raise self._fail("p", no, f"node {node} has caregiver-dependent times")
        return tuple(rows[node * n_vehi] for node in range(n_nodes))


def _line(tokens: list[Token]) -> int | None:
    return tokens[0][0] if tokens else None


def _check_patients(path: Path, inst: HhcInstance) -> None:
    """A double patient needs exactly two services, any other patient exactly one."""
    for node in inst.patients:
        count = len(inst.services_of(node))
        expected = 2 if node in inst.double_service else 1
        if count != expected:
            raise ValueError(
                f"{path}: block 'r': patient node {node} requires {count} services, "
                f"expected {expected}"
            )
        if inst.min_gap[node] > inst.max_gap[node]:
            raise ValueError(f"{path}: block 'mind'/'maxd': node {node} has mind > maxd")
