"""The care plan sheet: one row per service a resident receives, as stations keep their plans.

Rows are found by the resident's ID number; the rows of one resident make one plan (or the next
version of it, from the 生效日期 given or today). Each row is checked alone by the care plan
service, so a problem is named at its own row and column; the resident's last row then writes the
plan with every item through ``save_plan`` (``carehub.imports`` runs it all in one unit of work).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.auth.scoping import WRITE_ROLES, station_filter
from carehub.careplans import errors
from carehub.careplans.services import check_plan, save_plan
from carehub.common import crypto
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.imports import problems
from carehub.imports.cells import id_text, integer, iso_date, lookup
from carehub.imports.problems import CellError
from carehub.imports.spec import Column, Context, Spec, register, text
from carehub.registry.idnumbers import InvalidIdentifier, parse_id_number
from carehub.registry.models import SERVICE_CODES, Resident

problems.MESSAGES.setdefault(
    "time_windows",
    _l("Cannot read the time window; write e.g. 11:00-12:30, 08:00-10:00、14:00-16:00 or 上午."),
)

service = lookup(
    {"助餐": "MEAL", "送餐": "MEAL", "配餐": "MEAL", "午餐": "MEAL", "助洁": "CLEAN", "保洁": "CLEAN",
     "打扫卫生": "CLEAN", "家政保洁": "CLEAN", "助浴": "BATH", "洗澡": "BATH", "助医": "MEDICAL",
     "上门护理": "MEDICAL", "健康监测": "MEDICAL", "医疗护理": "MEDICAL", "陪同就医": "ESCORT",
     "陪诊": "ESCORT", "助行": "ESCORT", "助急": "EMERGENCY", "紧急救援": "EMERGENCY",
     "陪伴": "COMPANION", "精神慰藉": "COMPANION", "陪聊": "COMPANION", "代办": "ERRAND",
     "代购": "ERRAND", "跑腿": "ERRAND", "康复": "REHAB", "康复训练": "REHAB", "助学": "LEARNING",
     "老年教育": "LEARNING", **{code: code for code in SERVICE_CODES}},
)  # fmt: skip
funding = lookup(
    {"政府": "government", "政府购买": "government", "政府补贴": "government",
     "全额补贴": "government", "政府兜底": "government", "低偿": "low_cost", "低偿服务": "low_cost",
     "自费": "paid", "有偿": "paid", "全自费": "paid", "时间银行": "time_credit",
     "志愿": "volunteer", "志愿服务": "volunteer", "公益": "volunteer", "无偿": "volunteer",
     "government": "government", "low_cost": "low_cost", "paid": "paid",
     "time_credit": "time_credit", "volunteer": "volunteer"},
)  # fmt: skip
yes_no = lookup({"是": True, "否": False, "可": True, "可以": True, "不可": False, "yes": True,
                 "no": False, "√": True, "×": False, "1": True, "0": False})  # fmt: skip
_PARTS_OF_DAY = {"上午": ("08:00", "12:00"), "中午": ("11:00", "13:00"), "下午": ("14:00", "18:00"),
                 "morning": ("08:00", "12:00"), "afternoon": ("14:00", "18:00")}  # fmt: skip
_TIME = r"(\d{1,2})(?:[:点时](\d{2}|半)?)?"
_SPAN = re.compile(_TIME + r"\s*[-~～—–至到]\s*" + _TIME)


def _time(hours: str, minutes: str | None) -> time:
    return time(int(hours), 30 if minutes == "半" else int(minutes or 0))


def windows(value: Any, _ctx: Context | None = None) -> list[dict]:
    """One or two windows: "11:00-12:30", "8:00-10:00、14:00-16:00", "上午", "上午或下午"."""
    raw = text(value).lower().replace("：", ":")
    found = []
    for part in filter(None, re.split(r"[、,;/]|或|和|\s+or\s+", raw)):
        part = part.strip()
        if part in _PARTS_OF_DAY:
            found.append(dict(zip(("start", "end"), _PARTS_OF_DAY[part], strict=True)))
            continue
        span = _SPAN.fullmatch(part.replace(" ", ""))
        if span is None:
            raise CellError("time_windows")
        try:
            start, end = _time(span[1], span[2]), _time(span[3], span[4])
        except ValueError:
            raise CellError("time_windows") from None
        found.append({"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")})
    if not 1 <= len(found) <= 2:
        raise CellError("time_windows")
    return found


def _complete(payload: dict, _ctx: Context) -> None:
    """Words or RRULE into its field; a volunteer-funded row is suitable for volunteers."""
    payload.pop("name", None)  # read only to label the row
    item = payload.setdefault("item", {})
    recurrence = item.pop("recurrence", None)
    if recurrence:
        is_rule = recurrence.upper().lstrip().startswith(("FREQ=", "RRULE:"))
        item["rrule" if is_rule else "recurrence_words"] = recurrence
    if item.get("funding") == "volunteer":
        item.setdefault("volunteer_suitable", True)


def _canonical(value: str) -> str | None:
    try:
        return parse_id_number(value).value
    except InvalidIdentifier:
        return None


def _prepare(ctx: Context, payloads: list[dict]) -> None:
    """Residents by ID number in one query per thousand; each resident's rows, in sheet order."""
    hashes = {}
    groups: dict[str, list[int]] = {}
    for payload in payloads:
        number = _canonical(payload.get("id_number", ""))
        if number:
            hashes[crypto.blind_index(number)] = number
            groups.setdefault(number, []).append(id(payload))
    found: dict[str, int] = {}
    keys = sorted(hashes)
    for start in range(0, len(keys), 1000):
        query = station_filter(  # a resident of another station is unknown here, not forbidden
            select(Resident.id_number_hash, Resident.id).where(
                Resident.id_number_hash.in_(keys[start : start + 1000])
            ),
            Resident.station_id,
            ctx.actor,
        )
        found.update({hashes[h]: rid for h, rid in db.session.execute(query)})
    ctx.lookups.update(residents=found, groups=groups, items={}, failed=set())


@dataclass
class _Pending:
    """A row checked and kept for its resident's last row, which writes the plan."""

    station_id: int
    id: int | None = None


def _create(actor, payload: dict, ctx: Context):
    number = _canonical(payload.get("id_number", ""))
    resident_id = ctx.lookups["residents"].get(number) if number else None
    if resident_id is None:
        raise errors.invalid("resident_id", "unknown_resident", UNKNOWN_RESIDENT)
    plan = {"resident_id": resident_id, "reason": str(_l("imported from a sheet")),
            "items": [payload.get("item", {})]}  # fmt: skip
    if payload.get("effective_from"):
        plan["effective_from"] = payload["effective_from"]
    try:
        resident = check_plan(actor, plan)
    except CareHubError:
        ctx.lookups["failed"].add(number)
        raise
    ctx.lookups["items"].setdefault(number, []).append(plan["items"][0])
    ctx.lookups.setdefault("effective", {}).setdefault(number, plan.get("effective_from"))
    last = ctx.lookups["groups"][number][-1] == id(payload)
    if not last or number in ctx.lookups["failed"]:
        return _Pending(resident.station_id)
    whole = {**plan, "items": ctx.lookups["items"][number]}
    if ctx.lookups["effective"][number]:
        whole["effective_from"] = ctx.lookups["effective"][number]
    return save_plan(actor, whole)


UNKNOWN_RESIDENT = _l("No resident with this ID number at your stations: register them first.")

CARE_PLANS = register(
    Spec(
        kind="care-plans",
        entity="care_plan",
        title=_l("Import care plans"),
        list_endpoint="careplans.visits",
        writers=WRITE_ROLES,
        columns=(
            Column("name", "姓名", ("老人姓名", "服务对象", "name")),
            Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "证件号码",
                   "id_number"), id_text, required=True, as_text=True),
            Column("service", "服务项目", ("服务内容", "服务类型", "项目", "service",
                   "service_code"), service, required=True, target="item.service_code",
                   note=_l("助餐、助洁、助浴、助医、陪同就医、助急、陪伴、代办、康复、助学")),
            Column("recurrence", "服务频次", ("频次", "频率", "服务周期", "重复", "recurrence",
                   "rrule"), text, required=True, target="item.recurrence",
                   note=_l("每个工作日, 每周二和周五, 隔周六, 每月第一个周一, or an RRULE")),
            Column("windows", "服务时段", ("时段", "服务时间", "时间段", "windows"), windows,
                   required=True, target="item.windows",
                   note=_l("11:00-12:30; two: 08:00-10:00、14:00-16:00; or 上午/下午")),
            Column("duration", "服务时长", ("时长", "时长分钟", "分钟", "duration",
                   "duration_minutes"), integer, target="item.duration_minutes",
                   note=_l("minutes; empty: the catalogue's")),
            Column("carers", "护理员人数", ("服务人数", "人数", "carers"), integer,
                   target="item.carers", note=_l("1 or 2; empty: the catalogue's")),
            Column("funding", "付费方式", ("资金来源", "支付方式", "付费", "funding"), funding,
                   required=True, target="item.funding",
                   note=_l("政府购买/低偿/自费/时间银行/志愿服务")),
            Column("volunteer", "志愿者可服务", ("志愿者", "volunteer_suitable"), yes_no,
                   target="item.volunteer_suitable", note=_l("是/否")),
            Column("start_date", "开始日期", ("start_date",), iso_date, target="item.start_date"),
            Column("end_date", "结束日期", ("end_date",), iso_date, target="item.end_date"),
            Column("effective_from", "生效日期", ("effective_from",), iso_date,
                   note=_l("the plan (or its new version) from this day; empty: today")),
            Column("notes", "备注", ("服务备注", "注意事项", "notes"), target="item.notes"),
        ),
        fields={
            "resident_id": "id_number", "effective_from": "effective_from",
            "items.service_code": "service", "items.rrule": "recurrence",
            "items.recurrence_words": "recurrence", "items.workdays_only": "recurrence",
            "items.windows": "windows", "items.windows.start": "windows",
            "items.windows.end": "windows", "items.duration_minutes": "duration",
            "items.carers": "carers", "items.funding": "funding",
            "items.volunteer_suitable": "service", "items.start_date": "start_date",
            "items.end_date": "end_date", "items.notes": "notes", "items": "service",
        },
        complete=_complete,
        prepare=_prepare,
        create=_create,
        station_of=lambda record: getattr(record, "station_id", None)
        or record.resident.station_id,
    )
)  # fmt: skip
