"""Readers of the benchmark formats, on tiny hand-made files in tests/scheduler/data/."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from scheduler.formats import read_hhcrsp, read_solomon

DATA = Path(__file__).parent / "data"
SOLOMON = DATA / "solomon_tiny5.txt"
HHC = DATA / "hhc_tiny4.txt"


def _rewrite(tmp_path: Path, source: Path, line_no: int, new: str) -> Path:
    """A copy of a fixture with line `line_no` (1-based) replaced, to make it malformed."""
    lines = source.read_bytes().decode().splitlines(keepends=True)
    ending = "\r\n" if lines[line_no - 1].endswith("\r\n") else "\n"
    lines[line_no - 1] = new + ending
    out = tmp_path / source.name
    out.write_bytes("".join(lines).encode())
    return out


# --- Solomon -------------------------------------------------------------------------------


def test_solomon_reads_header_and_rows_with_crlf():
    assert b"\r\n" in SOLOMON.read_bytes()
    inst = read_solomon(SOLOMON)
    assert (inst.name, inst.vehicles, inst.capacity) == ("TINY5", 3, 30)
    assert inst.demand == (0, 10, 10, 10, 20, 10)
    assert inst.ready[5] == 50 and inst.due[5] == 80 and inst.service[1] == 5
    assert inst.due[0] == 200


def test_solomon_reads_the_same_with_lf_endings(tmp_path):
    lf = tmp_path / "lf.txt"
    lf.write_bytes(SOLOMON.read_bytes().replace(b"\r\n", b"\n"))
    assert read_solomon(lf) == read_solomon(SOLOMON)


def test_solomon_distance_is_unrounded_euclidean():
    inst = read_solomon(SOLOMON)
    assert inst.distance(0, 1) == 10.0
    assert inst.distance(4, 5) == math.sqrt(200)
    assert inst.distance(5, 4) == inst.distance(4, 5)


@pytest.mark.parametrize(
    ("line", "new", "message"),
    [
        (5, "  3", r"line 5: VEHICLE block expects 2 values"),
        (5, "  x   30", r"line 5: VEHICLE value 'x'"),
        (7, "CUSTOMERS", r"missing CUSTOMER block"),
        (15, "5 0 -10 10 50 80", r"line 15: CUSTOMER row expects 7 values"),
        (15, "5 0 -10 10 90 80 5", r"line 15: CUSTOMER ready time after due"),
        (14, "7 -10 0 20 0 50 5", r"line 14: CUSTOMER number 7, expected 4"),
        (14, "4 -10 0 2.5 0 50 5", r"line 14: CUSTOMER demand"),
        (13, "3 10 0 ten 0 100 5", r"line 13: CUSTOMER value 'ten' is not a number"),
    ],
)
def test_solomon_malformed_input_names_the_line(tmp_path, line, new, message):
    with pytest.raises(ValueError, match=message):
        read_solomon(_rewrite(tmp_path, SOLOMON, line, new))


# --- HHCRSP --------------------------------------------------------------------------------


def test_hhcrsp_reads_sizes_skills_and_double_service():
    inst = read_hhcrsp(HHC)
    assert (inst.n_nodes, inst.n_vehicles, inst.n_services) == (6, 3, 3)
    assert inst.double_service == frozenset({2})  # file says 3, counted from 1
    assert inst.services_of(2) == (0, 1)
    assert inst.services_of(3) == (2,)
    assert inst.services_of(0) == () and inst.services_of(5) == ()
    assert inst.qualified[2] == (0, 0, 1)
    assert inst.dist[2][4] == 8.246211
    assert (inst.earliest[4], inst.latest[4]) == (30, 80)


def test_hhcrsp_processing_time_comes_from_the_first_caregiver_row_of_each_node():
    # The p block has nbNodes * nbVehi = 18 rows; reading only 6 would give patient 1 a zero.
    inst = read_hhcrsp(HHC)
    assert len(inst.proc) == 6
    assert inst.proc[0] == (0.0, 0.0, 0.0)
    assert inst.proc[1] == (10.0, 10.0, 10.0)
    assert inst.proc[4] == (10.0, 10.0, 10.0)


def test_hhcrsp_reads_crlf(tmp_path):
    crlf = tmp_path / HHC.name
    crlf.write_bytes(HHC.read_bytes().replace(b"\n", b"\r\n"))
    assert read_hhcrsp(crlf) == read_hhcrsp(HHC)


def test_hhcrsp_two_doubles_fixture_keeps_gaps():
    inst = read_hhcrsp(DATA / "hhc_two_doubles.txt")
    assert inst.double_service == frozenset({2, 4})
    assert (inst.min_gap[4], inst.max_gap[4]) == (5, 15)


@pytest.mark.parametrize(
    ("line", "new", "message"),
    [
        (4, "3 4", r"line 4: block 'nbVehi': expects 1 value"),
        (9, "1 2 0", r"line 9: block 'r': values must be 0 or 1"),
        (17, "1  1", r"line 17: block 'a': expects 3 values"),
        (21, "0 3 6 0 8", r"line 21: block 'x': expects 6 values"),
        (15, "6", r"line 15: block 'DS': node 6 is not a patient"),
        (15, "2", r"block 'r': patient node 1 requires 1 services, expected 2"),
        (36, "10.0 10.0 1o.0", r"line 36: block 'p': '1o.0' is not a number"),
        (36, "10.0 10.0 12.0", r"line 36: block 'p': node 1 has caregiver-dependent times"),
        (50, "mindd", r"unknown block 'mindd'"),
        (56, "late", r"unknown block 'late'"),
    ],
)
def test_hhcrsp_malformed_input_names_block_and_line(tmp_path, line, new, message):
    with pytest.raises(ValueError, match=message):
        read_hhcrsp(_rewrite(tmp_path, HHC, line, new))


def test_hhcrsp_short_p_block_is_rejected(tmp_path):
    """The common mistake of writing only nbNodes rows of p is caught, not misread."""
    text = HHC.read_text()
    head, rest = text.split("\np\n")
    p_rows, tail = rest.split("\nmind\n")
    short = "\n".join(p_rows.splitlines()[::3])
    bad = tmp_path / "short_p.txt"
    bad.write_text(f"{head}\np\n{short}\nmind\n{tail}")
    with pytest.raises(ValueError, match=r"block 'p': expects 18 rows, got 6"):
        read_hhcrsp(bad)


def test_hhcrsp_missing_block_is_named(tmp_path):
    text = HHC.read_text()
    bad = tmp_path / "no_e.txt"
    bad.write_text(text.replace("\ne\n0 0 20 0 30 0", ""))
    with pytest.raises(ValueError, match=r"missing block\(s\) e"):
        read_hhcrsp(bad)
