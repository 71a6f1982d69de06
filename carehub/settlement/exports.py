"""A claim as an accountant's sheet: CSV (UTF-8 with BOM, so Excel reads the Chinese) and XLSX,
Chinese headers, one row per line, a totals row (合计) at the end. Amounts in yuan."""

from __future__ import annotations

from carehub.imports.writing import csv_bytes, xlsx_bytes, yuan
from carehub.registry.imports import CATEGORY_NAMES
from carehub.settlement.totals import totals

HEADERS = ("工单号", "服务日期", "服务站", "服务项目", "老人编号", "老人类别", "资金来源",
           "合同价(元)", "政府支付(元)", "个人自付(元)", "自费(元)", "时间储蓄(分钟)",
           "类型", "审核状态", "说明")  # fmt: skip
TIERS = {"government": "政府购买", "low_cost": "低偿", "paid": "有偿", "time_credit": "时间储蓄",
         "volunteer": "志愿服务"}  # fmt: skip
CATEGORIES = {**CATEGORY_NAMES, "none": "无特殊类别"}
STATES = {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}
KINDS = {"split": "结算", "reversal": "冲正"}


def rows(lines, names: dict | None = None) -> list[list]:
    """One row per line; stations and services by name where ``names`` (services.names_of) has
    them, categories in Chinese."""
    stations = (names or {}).get("station", {})
    services = (names or {}).get("service", {})
    body = [
        [line.visit_id, line.visit_date.isoformat(),
         stations.get(str(line.station_id), line.station_id),
         services.get(line.service_code, line.service_code), line.resident_id,
         CATEGORIES.get(line.category, line.category or ""),
         TIERS.get(line.tier, line.tier), yuan(line.price_fen),
         yuan(line.government_fen), yuan(line.copay_fen), yuan(line.paid_fen),
         line.time_credit_minutes, KINDS[line.kind], STATES[line.state], line.reason]
        for line in lines
    ]  # fmt: skip
    total = totals(lines)["all"]
    body.append(["合计", "", "", "", "", "", "", yuan(total["price_fen"]),
                 yuan(total["government_fen"]), yuan(total["copay_fen"]),
                 yuan(total["paid_fen"]), total["time_credit_minutes"], "", "",
                 f"{total['lines']} 条"])  # fmt: skip
    return body


def to_csv(lines, names: dict | None = None) -> bytes:
    return csv_bytes(HEADERS, rows(lines, names))


def to_xlsx(lines, title: str, names: dict | None = None) -> bytes:
    return xlsx_bytes(HEADERS, rows(lines, names), title)
