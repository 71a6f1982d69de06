"""Odd cells in a policy sheet: each refused at its column, never a crash or a silent change."""

from __future__ import annotations

import pytest

from carehub.imports import engine
from tests.policy.test_sheet import HEADER, count, csv_bytes

GOOD = ["v", "2027-01-01", "", "600", "50", "300", "80", "40", "§1", "低偿", "", "", "", ""]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("每月补贴额度（元）", "1e308"),
        ("每月补贴额度（元）", "NaN"),
        ("每月补贴额度（元）", "99999999999999999999"),
        ("每月补贴额度（元）", "-5"),
        ("每月补贴额度（元）", "600.001"),
        ("低偿自付比例", "-0.5"),
        ("高龄年龄", "８０．５"),
        ("时间银行每月上限（小时）", "-1"),
        ("时间银行每月上限（小时）", "1:99999999999"),
        ("最低年龄", "1" * 400),
        ("条款", "§" * 41),
        ("生效日期", "2027-02-30"),
    ],
)
def test_an_odd_cell_is_named_and_nothing_is_written(ctx, world, column, value):
    row = list(GOOD)
    row[HEADER.index(column)] = value
    result = engine.preview(world.user("admin"), "policy-versions", "p.csv", csv_bytes([row]))
    (checked,) = result.rows
    named = {k.split("(")[0] for k in checked.errors}
    assert column.split("（")[0] in named, checked.errors
    assert count() == 0
