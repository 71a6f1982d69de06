"""Policy versions as a spreadsheet, in and out through the shared import engine.

One row per tier rule (条款), in the order the rules are tried. The version's own figures (name,
dates, allowance, low-cost share and cap, the age of 高龄, the priority order and the time bank's
rules) are written on its first row; later rows of the same version may repeat them or leave
them empty, but may not contradict them. Several versions may share one file: rows are grouped
by 版本名称. An import writes drafts only (an admin reviews, runs the what-if and publishes), so
a sheet can never change what is in force. Export writes the same layout, so a version exported
and imported again is the same draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.auth.scoping import require_read
from carehub.careplans.imports import service
from carehub.common.errors import CareHubError, Invalid, coded
from carehub.common.schema import load
from carehub.extensions import db
from carehub.imports import problems
from carehub.imports.cells import integer, iso_date, lookup, many
from carehub.imports.problems import CellError
from carehub.imports.spec import Column, Context, Spec, register, text
from carehub.imports.writing import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes
from carehub.imports.writing import yuan as yuan_of
from carehub.policy import errors
from carehub.policy.rules import PRIORITY_KEYS, TierRule
from carehub.policy.schemas import PolicyVersionIn
from carehub.policy.services import ADMIN, BUREAU, create_version, get_version
from carehub.registry.imports import CATEGORY_NAMES, category
from carehub.registry.models import District

problems.MESSAGES.setdefault(
    "not_yuan", _l("%(value)s is not an amount in yuan (write 600 or 600.50).")
)
problems.MESSAGES.setdefault("not_percent", _l("%(value)s is not a share (write 50, 50%% or 0.5)."))
problems.MESSAGES.setdefault("not_minutes", _l("%(value)s hours is not a whole number of minutes."))
problems.MESSAGES.setdefault(
    "not_weight", _l("Cannot read %(value)s; write e.g. 助洁:120%%、助浴:150%%.")
)
problems.MESSAGES.setdefault(
    "unknown_district", _l("Unknown district %(value)s: give its code or exact name.")
)

TIER_NAMES = {"government": "政府购买", "low_cost": "低偿"}
SERVICE_NAMES = {"MEAL": "助餐", "CLEAN": "助洁", "BATH": "助浴", "MEDICAL": "助医",
                 "ESCORT": "陪同就医", "EMERGENCY": "助急", "COMPANION": "陪伴", "ERRAND": "代办",
                 "REHAB": "康复", "LEARNING": "助学"}  # fmt: skip
PRIORITY_NAMES = {"ability_level": "能力等级", "age": "年龄", "alone": "独居",
                  "requested_on": "申请日期"}  # fmt: skip

tier = lookup({"政府购买": "government", "政府购买服务": "government", "政府": "government",
               "全额补贴": "government", "低偿": "low_cost", "低偿服务": "low_cost",
               "government": "government", "low_cost": "low_cost"})  # fmt: skip
priority_key = lookup({**{v: k for k, v in PRIORITY_NAMES.items()}, "失能等级": "ability_level",
                       "独居老人": "alone", **{k: k for k in PRIORITY_KEYS}})  # fmt: skip


def level(value: Any, _ctx: Context | None = None) -> int:
    """An ability level: 3, "3" or "3级"."""
    return integer(re.sub(r"级$", "", text(value)))


def _decimal(value: Any, code: str) -> Decimal:
    raw = text(value).replace(",", "").replace("元", "").replace("%", "").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CellError(code, value=text(value)) from None
    if not amount.is_finite():
        raise CellError(code, value=text(value))
    return amount


def yuan(value: Any, _ctx: Context | None = None) -> str:
    """An amount in yuan as the schemas take it (text: a float never rounds it)."""
    return str(_decimal(value, "not_yuan"))


def yuan_to_fen(value: Any, _ctx: Context | None = None) -> int:
    amount = _decimal(value, "not_yuan") * 100
    if amount != amount.to_integral_value():
        raise CellError("not_yuan", value=text(value))
    return int(amount)


def percent(value: Any, _ctx: Context | None = None) -> int:
    """50, "50%" and 0.5 (a cell Excel formats as a percentage) are all 50 %: a share is a whole
    percent, so a number strictly between 0 and 1 can only be a fraction."""
    share = _decimal(value, "not_percent")
    if "%" not in text(value) and 0 < share < 1:
        share *= 100
    if share != share.to_integral_value():
        raise CellError("not_percent", value=text(value))
    return int(share)


def hours(value: Any, _ctx: Context | None = None) -> int:
    """Hours as integer minutes: 40 -> 2400, 1.5 -> 90, "1:40" (or an Excel time) -> 100,
    "100分钟" -> 100."""
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    raw = text(value)
    if match := re.fullmatch(r"(\d+)[:：](\d{1,2})", raw):
        return int(match.group(1)) * 60 + int(match.group(2))
    if match := re.fullmatch(r"(\d+)\s*分钟?", raw):
        return int(match.group(1))
    minutes = _decimal(re.sub(r"\s*小时$", "", raw), "not_number") * 60
    if minutes != minutes.to_integral_value() or minutes < 0:
        raise CellError("not_minutes", value=raw)
    return int(minutes)


def weights(value: Any, _ctx: Context | None = None) -> dict[str, int]:
    """ "助洁:120%、助浴:150%": an hour of that service banks 1.2 or 1.5 hours."""
    found: dict[str, int] = {}
    for part in re.split(r"[、,;；\s]+", text(value)):
        if not part or part in ("无", "—", "-"):
            continue
        match = re.fullmatch(r"(.+?)[:：=](\d+)%?", part)
        if match is None:
            raise CellError("not_weight", value=part)
        found[service(match.group(1))] = int(match.group(2))
    return found


def _district_cell(value: Any, ctx: Context) -> int:
    """A district by code or name (cells are read before ``prepare``, so it loads them)."""
    raw, names = text(value), _districts(ctx)
    found = names.get(raw.upper()) or names.get(raw)
    if found is None:
        raise CellError("unknown_district", value=raw)
    return found


def _districts(ctx: Context) -> dict[str, int]:
    if "districts" not in ctx.lookups:
        names: dict[str, int] = {}
        for found in db.session.scalars(select(District).order_by(District.id)):
            names[found.code.upper()] = found.id
            names.setdefault(found.name, found.id)
        ctx.lookups["districts"] = names
    return ctx.lookups["districts"]


# (key, header, aliases, convert, note): the version's own figures, first row of each version
FIGURES = (
    Column("district", "区县", ("区", "行政区", "所属区县", "district", "district_id"), _district_cell,
           note=_l("the district's code or name; empty: the only district")),
    Column("name", "版本名称", ("政策名称", "名称", "政策版本", "name"), required=True,
           note=_l("rows with the same name make one version")),
    Column("valid_from", "生效日期", ("开始日期", "起始日期", "执行日期", "valid_from"), iso_date),
    Column("valid_to", "失效日期", ("截止日期", "结束日期", "valid_to"), iso_date,
           note=_l("empty: open-ended")),
    Column("allowance", "每月补贴额度（元）", ("每月补贴", "补贴额度", "月补贴标准", "allowance"), yuan,
           note=_l("yuan at contract price")),
    Column("low_cost_share_pct", "低偿自付比例（%）", ("自付比例", "低偿比例", "low_cost_share_pct"),
           percent, note=_l("the resident's share, e.g. 50%")),
    Column("low_cost_cap", "低偿每月封顶（元）", ("低偿封顶", "每月封顶", "low_cost_cap"), yuan,
           note=_l("yuan a month the government pays for low-cost services")),
    Column("elder_age", "高龄年龄", ("高龄", "高龄起始年龄", "elder_age"), integer),
    Column("priority", "优先顺序", ("优先级", "排序规则", "priority"), many(priority_key),
           note=_l("能力等级、年龄、独居、申请日期")),
    Column("tb_monthly", "时间银行每月上限（小时）", ("每月存入上限", "tb_monthly_cap"), hours,
           note=_l("hours")),
    Column("tb_storage", "时间银行储存上限（小时）", ("储存上限", "tb_storage_cap"), hours,
           note=_l("hours")),
    Column("tb_redeem_age", "时间银行兑换年龄", ("兑换年龄", "tb_redeem_age"), integer),
    Column("tb_expiry", "时间银行有效期（月）", ("有效期", "tb_expiry_months"), integer,
           note=_l("months; empty: never")),
    Column("tb_hour_value", "每小时价值（元）", ("时间银行每小时价值", "小时价值", "tb_hour_value"),
           yuan_to_fen, note=_l("yuan: the market price of one banked hour")),
    Column("tb_weights", "服务折算", ("时间银行折算", "折算比例", "tb_weights"), weights,
           note=_l("助洁:120%、助浴:150%; empty: one hour is one hour")),
)  # fmt: skip
RULE = (
    Column("clause", "条款", ("政策条款", "条款号", "clause"), required=True,
           target="rule.clause", note=_l("cited by every split the rule decides")),
    Column("tier", "档次", ("补贴档次", "服务档次", "补贴类型", "tier"), tier, required=True,
           target="rule.tier", note=_l("政府购买 or 低偿")),
    Column("min_age", "最低年龄", ("年龄", "年龄要求", "min_age"), integer, target="rule.min_age"),
    Column("categories", "人员类别", ("类别", "老人类别", "categories_any"), many(category),
           target="rule.categories_any", note=_l("any of 三无、五保、优抚、低保、低收入")),
    Column("levels", "能力等级", ("失能等级", "等级", "levels"), many(level),
           target="rule.levels", note=_l("any of 0-4, e.g. 3、4")),
    Column("services", "服务项目", ("服务内容", "services"), many(service),
           target="rule.services", note=_l("empty: every service")),
)  # fmt: skip
VERSION_KEYS = tuple(c.key for c in FIGURES)
TIMEBANK = {"tb_monthly": "monthly_cap_minutes", "tb_storage": "storage_cap_minutes",
            "tb_redeem_age": "redeem_age", "tb_expiry": "expiry_months",
            "tb_hour_value": "hour_value_fen", "tb_weights": "weights"}  # fmt: skip
FIELDS = {
    "district_id": "district", "name": "name", "valid_from": "valid_from",
    "valid_to": "valid_to", "allowance": "allowance", "low_cost_share_pct": "low_cost_share_pct",
    "low_cost_cap": "low_cost_cap", "elder_age": "elder_age", "rules.priority": "priority",
    "rules.tiers": "clause", "rules.tiers.clause": "clause", "rules.tiers.tier": "tier",
    "rules.tiers.min_age": "min_age", "rules.tiers.categories_any": "categories",
    "rules.tiers.levels": "levels", "rules.tiers.services": "services", "clause": "clause",
    "tier": "tier", "min_age": "min_age", "categories_any": "categories", "levels": "levels",
    "services": "services", "rules": "clause",
    **{f"rules.timebank.{name}": key for key, name in TIMEBANK.items()},
}  # fmt: skip


@dataclass
class _Group:
    """The rows of one version seen so far: its figures, its rules, and whether one failed."""

    figures: dict
    rules: list[dict]
    failed: bool = False


@dataclass
class _Pending:
    """A row checked and kept for its version's last row, which writes the draft."""

    id: int | None = None


def _prepare(ctx: Context, payloads: list[dict]) -> None:
    """Group rows by version name; a row without one continues the row above (merged cells)."""
    last: dict[str, int] = {}
    name = None
    for payload in payloads:
        if payload.get("name"):
            name = payload["name"]
        elif name is not None:
            payload["name"] = name
        if name is not None:
            last[name] = id(payload)
    ctx.lookups.update(last_of=last, groups={})


def _only_district() -> int:
    ids = list(db.session.scalars(select(District.id).limit(2)))
    if len(ids) != 1:
        raise errors.invalid("district_id", "choose_district", CHOOSE_DISTRICT)
    return ids[0]


CHOOSE_DISTRICT = _l("Name the district (区县): there is more than one.")
NO_NAME = _l("Name the version (版本名称) on its first row.")
FIRST_ROW = ("valid_from", "allowance", "low_cost_share_pct", "low_cost_cap")
VERSION_FIGURES = ("name", "valid_from", "valid_to", "allowance", "low_cost_share_pct",
                   "low_cost_cap", "elder_age")  # fmt: skip
FIRST_ROW_MESSAGE = coded("required", _l("Required on the first row of each version."))


def _merge(group: _Group, payload: dict) -> None:
    """Add a later row's figures to its version's, refusing one that contradicts the first."""
    for key in VERSION_KEYS:
        if key not in payload:
            continue
        if key in group.figures and group.figures[key] != payload[key]:
            message = _l("Differs from the first row of this version (%(value)s): give the "
                         "figure once.", value=group.figures[key])  # fmt: skip
            raise errors.invalid(_field(key), "contradicts_first_row", message)
        group.figures.setdefault(key, payload[key])


def _field(key: str) -> str:
    """The service field a figure column stands for (so the engine names the column)."""
    return next((name for name, column in FIELDS.items() if column == key), key)


def _create(actor, payload: dict, ctx: Context):
    lookups = ctx.lookups
    name = payload.get("name")
    if not name:
        raise errors.invalid("name", "required", NO_NAME)
    group = lookups["groups"].get(name)
    if group is None:
        group = lookups["groups"][name] = _Group({}, [])
        _check_first_row(group, payload)
    try:
        _merge(group, payload)
        group.rules.append(load(TierRule(), payload.get("rule", {})))
    except CareHubError:
        group.failed = True
        raise
    if lookups["last_of"].get(name) != id(payload) or group.failed:
        return _Pending()
    return create_version(actor, _version_payload(group))


def _check_first_row(group: _Group, payload: dict) -> None:
    """The version's figures where they are written: the required ones present, each valid."""
    found = {_field(k): [FIRST_ROW_MESSAGE] for k in FIRST_ROW if k not in payload}
    figures = {k: payload[k] for k in VERSION_FIGURES if k in payload}
    for name, messages in PolicyVersionIn().validate(figures, partial=True).items():
        found.setdefault(name, list(messages) if isinstance(messages, list) else [messages])
    if found:
        group.failed = True
        raise Invalid(next(iter(found.values()))[0], found, code="invalid")


def _version_payload(group: _Group) -> dict:
    figures = group.figures
    timebank = {name: figures[key] for key, name in TIMEBANK.items() if key in figures}
    rules: dict[str, Any] = {"tiers": group.rules, "timebank": timebank}
    if "priority" in figures:
        rules["priority"] = figures["priority"]
    payload = {k: figures[k] for k in VERSION_FIGURES if k in figures}
    payload["district_id"] = figures.get("district") or _only_district()
    return {**payload, "rules": rules}


POLICY_VERSIONS = register(
    Spec(
        kind="policy-versions",
        entity="policy_version",
        title=_l("Import policy versions"),
        list_endpoint="policy.versions",
        writers=ADMIN,
        columns=(*FIGURES, *RULE),
        fields=FIELDS,
        create=_create,
        prepare=_prepare,
        station_of=lambda _record: None,
        label=lambda values: (
            " · ".join(
                str(values[k]).strip()
                for k in ("name", "clause")
                if values.get(k) not in (None, "")
            )
            or "—"
        ),
    )
)


# --- export: the same layout, so an exported version imports again as the same draft -----------


def rows_of(version) -> list[list]:
    """One row per tier rule; the version's figures on the first."""
    figures = _figure_cells(version)
    out = []
    for index, rule in enumerate(version.rules["tiers"]):
        head = figures if index == 0 else [""] * len(figures)
        head[1] = version.name  # every row names its version (a sort or filter keeps them apart)
        out.append([*head, *_rule_cells(rule)])
    return out


def headers() -> list[str]:
    return [c.header for c in (*FIGURES, *RULE)]


def _figure_cells(version) -> list:
    tb = version.rules.get("timebank", {})
    expiry = tb.get("expiry_months")
    return [
        version.district.code, version.name, version.valid_from.isoformat(),
        version.valid_to.isoformat() if version.valid_to else "", yuan_of(version.allowance_fen),
        version.low_cost_share_pct, yuan_of(version.low_cost_cap_fen), version.elder_age,
        "、".join(PRIORITY_NAMES[k] for k in version.rules.get("priority", [])),
        _hours(tb.get("monthly_cap_minutes", 0)), _hours(tb.get("storage_cap_minutes", 0)),
        tb.get("redeem_age", ""), expiry if expiry is not None else "",
        yuan_of(tb.get("hour_value_fen", 3000)),
        "、".join(f"{SERVICE_NAMES[code]}:{w}%" for code, w in sorted(tb.get("weights", {}).items())),
    ]  # fmt: skip


def _rule_cells(rule: dict) -> list:
    return [
        rule["clause"], TIER_NAMES[rule["tier"]], rule.get("min_age", 60),
        "、".join(CATEGORY_NAMES[c] for c in rule.get("categories_any", [])),
        "、".join(str(level) for level in rule.get("levels", [])),
        "、".join(SERVICE_NAMES[code] for code in rule.get("services", [])),
    ]  # fmt: skip


def _hours(minutes: int) -> str | int:
    """Whole hours as a number; otherwise H:MM, which reads back to the same minutes."""
    return minutes // 60 if minutes % 60 == 0 else f"{minutes // 60}:{minutes % 60:02d}"


def export(actor, version_id: int, fmt: str) -> tuple[bytes, str, str]:
    """A version as CSV or XLSX (admin, auditor): the bytes, their type and a file name."""
    require_read(actor, BUREAU)
    version = get_version(actor, version_id)
    name = f"policy-version-{version.id}-{version.valid_from:%Y%m%d}.{fmt}"
    if fmt == "csv":
        return csv_bytes(headers(), rows_of(version)), CSV_TYPE, name
    if fmt == "xlsx":
        return xlsx_bytes(headers(), rows_of(version), version.name), XLSX_TYPE, name
    raise errors.invalid("format", "bad_format", BAD_FORMAT)


BAD_FORMAT = _l("Choose csv or xlsx.")
