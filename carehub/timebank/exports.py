"""The liability as the bureau's sheet: CSV (UTF-8 with BOM, so Excel reads the Chinese) and
XLSX, Chinese headers, one row per station and age band, a totals row (合计). Yuan exact."""

from __future__ import annotations

from carehub.imports.writing import csv_bytes, xlsx_bytes, yuan

HEADERS = ("服务站", "年龄段", "未兑付时长(分钟)", "未兑付时长(小时)", "折合金额(元)")
BANDS = {"under 60": "60岁以下", "60-69": "60–69岁", "70-79": "70–79岁", "80+": "80岁以上",
         "pool": "站点互助池"}  # fmt: skip


def rows(report: dict) -> list[list]:
    body = [[c["station"], BANDS.get(c["band"], c["band"]), c["minutes"], _hours(c["minutes"]),
             yuan(c["value_fen"])] for c in report["by_station"]]  # fmt: skip
    total = report["outstanding_minutes"]
    body.append(["合计", "", total, _hours(total), yuan(report["value_fen"])])
    return body


def _hours(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def to_csv(report: dict) -> bytes:
    return csv_bytes(HEADERS, rows(report))


def to_xlsx(report: dict) -> bytes:
    return xlsx_bytes(HEADERS, rows(report), f"{report['as_of']:%Y-%m-%d}")
