"""The registry's import sheets: residents, caregivers and volunteers as stations keep them.

Each spec names the columns (every spelling stations use), reads their cells and calls the same
service as the forms for each row, so the rules live in one place (``carehub.imports`` does the rest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect

from carehub.audit.services import CHUNK, record, record_many
from carehub.auth.models import User
from carehub.auth.scoping import WRITE_ROLES, require_write
from carehub.common import crypto
from carehub.common.clock import local_today
from carehub.common.errors import Invalid
from carehub.common.schema import load
from carehub.extensions import db
from carehub.imports.cells import (
    id_text,
    integer,
    iso_date,
    lookup,
    many,
    number,
    phone,
    provider,
    station,
)
from carehub.imports.problems import CellError
from carehub.imports.spec import BuiltRow, Column, Context, Spec, UseService, register, text
from carehub.registry import models as m
from carehub.registry.idnumbers import InvalidIdentifier, parse_id_number
from carehub.registry.schemas import AssessmentIn, ResidentIn
from carehub.registry.services import residents, staff
from carehub.registry.services.common import station_for_write

# --- cells of the registry's sheets -----------------------------------------------------------

sex = lookup({"男": "M", "女": "F", "男性": "M", "女性": "F", "M": "M", "F": "F", "male": "M",
              "female": "F"})  # fmt: skip
yes_no = lookup(
    {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "true": True,
     "false": False, "1": True, "0": False, "√": True, "×": False, "有": True, "无": False},
)  # fmt: skip
household = lookup(
    {"独居": "alone", "独居老人": "alone", "空巢": "empty_nest", "空巢老人": "empty_nest", "与配偶同住": "empty_nest", "与子女同住": "with_family",
     "与家人同住": "with_family", "同住": "with_family", "有护工": "with_carer",
     "与保姆同住": "with_carer", "护工同住": "with_carer", **{h: h for h in m.HOUSEHOLDS}},
)  # fmt: skip
# the categories as sheets write them (exports write these; the lookup below reads them back)
CATEGORY_NAMES = {"sanwu": "三无", "wubao": "五保", "youfu": "优抚", "dibao": "低保",
                  "low_income": "低收入"}  # fmt: skip
category = lookup(
    {"三无": "sanwu", "城镇三无": "sanwu", "三无老人": "sanwu", "五保": "wubao", "农村五保": "wubao",
     "五保户": "wubao", "优抚": "youfu", "重点优抚": "youfu", "优抚对象": "youfu", "低保": "dibao",
     "低保户": "dibao", "低收入": "low_income", "低收入家庭": "low_income",
     **{c: c for c in m.CATEGORIES}},
)  # fmt: skip
resident_status = lookup(
    {"正常": "active", "在册": "active", "暂停": "suspended", "住院": "hospitalised",
     "已故": "deceased", "去世": "deceased", **{s: s for s in m.RESIDENT_STATUSES}},
)  # fmt: skip
staff_status = lookup(
    {"在职": "active", "在岗": "active", "离职": "inactive", "停用": "inactive",
     **{s: s for s in m.STAFF_STATUSES}},
)  # fmt: skip
travel_mode = lookup(
    {"步行": "walk", "电动车": "ebike", "电瓶车": "ebike", "电动自行车": "ebike", "e-bike": "ebike",
     **{t: t for t in m.TRAVEL_MODES}},
)  # fmt: skip
skill = lookup(
    {"助餐": "meal", "做饭": "meal", "保洁": "cleaning", "助洁": "cleaning", "助浴": "bathing",
     "护理": "nursing", "生活护理": "nursing", "助医": "medical", "医疗": "medical",
     "助行": "escort", "陪同": "escort", "陪诊": "escort", "康复": "rehab", "陪伴": "companion",
     "精神慰藉": "companion", **{s: s for s in m.SKILLS}},
)  # fmt: skip
_LEVEL_NAMES = {"能力完好": 0, "轻度失能": 1, "中度失能": 2, "重度失能": 3, "完全失能": 4,
                "能力轻度受损": 1, "能力中度受损": 2, "能力重度受损": 3, "能力完全丧失": 4,
                "零级": 0, "一级": 1, "二级": 2, "三级": 3, "四级": 4}  # fmt: skip


def ability_level(value: Any, _ctx: Context | None = None) -> int:
    raw = text(value)
    if raw in _LEVEL_NAMES:
        return _LEVEL_NAMES[raw]
    digits = raw.removesuffix("级").removeprefix("等级")
    if digits.isdigit() and int(digits) in m.ABILITY_LEVELS:
        return int(digits)
    raise CellError("unknown_value", value=raw, allowed="0-4、" + "、".join(list(_LEVEL_NAMES)[:5]))


# working hours: "周一至周五 08:00-12:00,13:30-17:30;周六 09:00-12:00" (NFKC made ；， ASCII)
_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_DAYS |= {f"周{k}": v for k, v in _DAYS.items()}
_DAYS |= {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_DAY_GROUPS = {"每天": range(7), "每日": range(7), "工作日": range(5), "周末": range(5, 7)}
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*[-~～—–至到]\s*(\d{1,2}):(\d{2})")


def working_hours(value: Any, _ctx: Context | None = None) -> list[dict]:
    periods = []
    for segment in filter(None, (s.strip() for s in re.split(r"[;\n]", text(value)))):
        spans = list(_SPAN.finditer(segment))
        if not spans:
            raise CellError("working_hours")
        days = _weekdays(segment[: spans[0].start()])
        for span in spans:
            try:
                start = time(int(span[1]), int(span[2]))
                end = time(int(span[3]), int(span[4]))
            except ValueError:
                raise CellError("working_hours") from None
            periods += [{"weekday": d, "start": start.isoformat("minutes"),
                         "end": end.isoformat("minutes")} for d in days]  # fmt: skip
    return periods


def _weekdays(spec: str) -> list[int]:
    spec = spec.replace("星期", "周").strip().lower()
    if not spec:
        raise CellError("working_hours")
    days: list[int] = []
    for part in filter(None, re.split(r"[、,/\s]+", spec)):
        if part in _DAY_GROUPS:
            days += _DAY_GROUPS[part]
            continue
        ends = re.split(r"[-~～—–至到]", part)
        try:
            first, last = _DAYS[ends[0]], _DAYS[ends[-1].removeprefix("周")]
        except KeyError:
            raise CellError("working_hours") from None
        days += range(first, last + 1) if last >= first else [*range(first, 7), *range(last + 1)]
    return list(dict.fromkeys(days))


def _station_column(**kw) -> Column:
    return Column(
        "station", "所属服务站",
        ("服务站", "服务站编码", "所属站点", "站点", "服务站点", "station", "station_code"),
        station, required=True, target="station_id",
        note=_l("station code or name, e.g. GL-01; leave the column out to use the station chosen"),
        **kw,
    )  # fmt: skip


def _id_identity(payload: dict) -> str | None:
    return _canonical_id(payload.get("id_number", ""))


@lru_cache(maxsize=16384)
def _canonical_id(value: str) -> str | None:
    """The ID number as stored, or None if it is not one (asked several times per row)."""
    try:
        return parse_id_number(value).value
    except InvalidIdentifier:
        return None


# --- residents --------------------------------------------------------------------------------

CONTACT = "紧急联系人"  # the name given to an emergency contact the ledger names only by phone


def _resident_complete(payload: dict, _ctx: Context) -> None:
    family = payload.pop("family", None)
    if family:
        if not family.get("name"):
            if not family.get("phone"):
                raise CellError("contact_name", "contact_name")
            family["name"] = CONTACT
        family.setdefault("relationship", "家属")
        payload["family_members"] = [{**family, "emergency_contact": True}]
    assessment = payload.pop("assessment", None)
    if assessment:
        if "level" not in assessment:
            raise CellError("assessment_level", "ability_level")
        payload["_assessment"] = assessment


def _create_resident(actor: User, payload: dict, ctx: Context):
    assessment = payload.pop("_assessment", None)
    resident = residents.create_resident(actor, payload)
    if assessment and assessment.get("assessed_on"):
        assessment.setdefault("assessor", actor.display_name or actor.username)
        residents.add_assessment(actor, resident.id, assessment)
    elif assessment:
        _reported_level(actor, resident, assessment["level"])
    return resident


def _reported_level(actor: User, resident: m.Resident, level: int) -> None:
    """A level the ledger states without an assessment date: kept as what the station reported
    (source "reported", dated the day it was imported), never as an assessment by the importer."""
    reported = _level({"level": level}, resident.station)
    reported.resident_id = resident.id
    db.session.add(reported)
    db.session.flush()
    db.session.expire(resident, ["assessments"])
    changes = {"level": level, "source": "reported"}
    record(actor, "assess", "resident", resident.id, resident.station_id, changes)


def _registered(ctx: Context, payloads: list[dict]) -> None:
    """The ID numbers of the file already registered, in one query per thousand rows."""
    hashes = sorted({crypto.blind_index(i) for i in map(_id_identity, payloads) if i})
    found: set[str] = set()
    for start in range(0, len(hashes), 1000):
        query = select(m.Resident.id_number_hash).where(
            m.Resident.id_number_hash.in_(hashes[start : start + 1000])
        )
        found.update(db.session.scalars(query))
    ctx.lookups["registered"] = found


@dataclass
class _NewResident:
    """A resident checked by ``_build_resident``, as rows for the bulk INSERTs of ``_save``."""

    values: dict
    categories: list[str]
    family: list[dict]
    assessment: dict | None
    summary: dict


_ASSESSMENT_KEYS = ("assessed_on", "level", "self_care", "mobility", "mental", "perception",
                    "assessor", "notes", "source")  # fmt: skip


def _build_resident(actor: User, payload: dict, ctx: Context) -> BuiltRow:
    """The fast path of ``_create_resident`` for a whole sheet: the same schemas and the same steps
    as the service (``residents.create_resident`` and ``add_assessment``), but the duplicate check
    is the one query of ``_registered`` and nothing is written here: ``_save`` inserts all rows at
    once. A row whose person is registered already goes through the service itself.
    """
    require_write(actor)
    assessment = payload.get("_assessment")  # the payload stays as it was, for the slow path
    data, assessment = _load_both(actor, payload, assessment)
    station = _writable_station(actor, data["station_id"], ctx)
    if assessment and "assessed_on" not in assessment:
        assessment = _reported(assessment["level"], station)
    parsed = parse_id_number(data["id_number"])
    if crypto.blind_index(parsed.value) in ctx.lookups["registered"]:
        raise UseService  # registered already: the service says what may be told, and where
    resident = m.Resident(station_id=station.id)  # transient: read by the service's rules
    residents.fill(resident, data, parsed)
    new = _NewResident(
        _columns(resident, skip=frozenset({"id"})), sorted(resident.categories),
        [_columns(f, skip=frozenset({"id", "resident_id"})) for f in resident.family_members],
        assessment and {k: assessment.get(k) for k in _ASSESSMENT_KEYS},
        residents.created_summary(resident),
    )  # fmt: skip
    return BuiltRow(new, station.id)


def _load_both(actor: User, payload: dict, assessment: dict | None) -> tuple[dict, dict | None]:
    """The resident and its dated assessment through their schemas, every problem of both named."""
    errors: dict[str, list] = {}  # lazy messages, rendered by the reader
    data = checked = None
    try:
        data = load(_RESIDENT_IN, {k: v for k, v in payload.items() if k != "_assessment"})
    except Invalid as exc:
        errors.update(exc.lazy_errors)
    if assessment and assessment.get("assessed_on"):
        assessor = actor.display_name or actor.username
        try:
            checked = {
                "source": "assessment",
                **load(_ASSESSMENT_IN, {"assessor": assessor, **assessment}),
            }
        except Invalid as exc:
            errors.update(exc.lazy_errors)
    if errors:
        first = next(iter(errors))
        raise Invalid(_l("%(field)s: %(message)s", field=first, message=errors[first][0]), errors)
    return data, checked or assessment


def _writable_station(actor: User, station_id: int, ctx: Context) -> m.Station:
    """``station_for_write``, asked once per station of the sheet (a refusal is asked again)."""
    known = ctx.lookups.setdefault("writable_stations", {})
    if station_id not in known:
        known[station_id] = station_for_write(actor, station_id)
    return known[station_id]


def _columns(record, skip: frozenset[str]) -> dict:
    """A transient record's column values by attribute key, for a bulk INSERT (None: default)."""
    return {k: v for k in _keys(type(record), skip) if (v := getattr(record, k)) is not None}


@lru_cache(maxsize=16)
def _keys(model, skip: frozenset[str]) -> tuple[str, ...]:
    return tuple(a.key for a in sa_inspect(model).column_attrs if a.key not in skip)


def _save(actor: User, items: list[BuiltRow]) -> list[int]:
    """Every checked resident in a few bulk INSERTs (``CHUNK`` rows each); one audit event per
    change, as the service writes them, in bulk too."""
    new: list[_NewResident] = [item.record for item in items]
    returning = insert(m.Resident).returning(m.Resident.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(new), CHUNK):
        chunk = [n.values for n in new[start : start + CHUNK]]
        ids += db.session.scalars(returning, chunk)
    pairs = list(zip(ids, new, strict=True))
    _insert(
        m.ResidentCategory,
        [{"resident_id": i, "category": c} for i, n in pairs for c in n.categories],
    )
    _insert(m.FamilyMember, [{"resident_id": i, **f} for i, n in pairs for f in n.family])
    _insert(
        m.AbilityAssessment, [{"resident_id": i, **n.assessment} for i, n in pairs if n.assessment]
    )
    record_many(actor, _events(pairs))
    return ids


def _events(pairs):
    """The events ``create_resident`` and ``add_assessment`` (or ``_reported_level``) record."""
    for i, n in pairs:
        station_id = n.values["station_id"]
        yield "create", "resident", i, station_id, n.summary
        if n.assessment:
            changes = {"level": n.assessment["level"]}
            if n.assessment["source"] == "reported":
                changes["source"] = "reported"
            yield "assess", "resident", i, station_id, changes


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def _reported(level: int, station: m.Station) -> dict:
    return {"level": level, "assessed_on": local_today(), "assessor": station.name[:40],
            "source": "reported", "notes": ""}  # fmt: skip


def _level(assessment: dict, station: m.Station) -> m.AbilityAssessment:
    return m.AbilityAssessment(**_reported(assessment["level"], station))


_RESIDENT_IN = ResidentIn()
_ASSESSMENT_IN = AssessmentIn()

RESIDENTS = register(
    Spec(
        kind="residents",
        entity="resident",
        title=_l("Import residents"),
        list_endpoint="registry.residents",
        writers=WRITE_ROLES,
        station_column="station",
        columns=(
            Column("name", "姓名", ("老人姓名", "老年人姓名", "服务对象姓名", "服务对象", "name"),
                   required=True),
            Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "证件号码",
                   "身份证件号码", "id_number", "id"), id_text, required=True, as_text=True),
            Column("sex", "性别", ("sex", "gender"), sex,
                   note=_l("男/女 (checked against the ID number)")),
            Column("birth_date", "出生日期", ("出生年月", "出生年月日", "birth_date"), iso_date),
            Column("phone", "联系电话", ("手机号", "手机号码", "电话", "手机", "本人电话",
                   "老人电话", "phone", "mobile"), phone, as_text=True),
            Column("address", "住址", ("家庭住址", "居住地址", "现住址", "地址", "详细地址",
                   "家庭地址", "address"), required=True),
            _station_column(),
            Column("latitude", "纬度", ("latitude", "lat"), number),
            Column("longitude", "经度", ("longitude", "lon", "lng"), number),
            Column("household", "居住情况", ("居住状况", "居住方式", "household"), household,
                   note=_l("独居/空巢/与子女同住/有护工")),
            Column("categories", "类别", ("人员类别", "老人类别", "对象类别", "保障类别",
                   "categories", "category"), many(category),
                   note=_l("三无、五保、优抚、低保、低收入 (several: 、)")),
            Column("ability_level", "能力等级", ("能力评估等级", "评估等级", "失能等级",
                   "ability_level", "level"), ability_level, target="assessment.level",
                   note=_l("0-4 or 能力完好/轻度失能/中度失能/重度失能/完全失能; without a date it is "
                           "kept as the level the station reports")),
            Column("assessed_on", "评估日期", ("评估时间", "assessed_on"), iso_date,
                   target="assessment.assessed_on"),
            Column("assessor", "评估员", ("评估人", "assessor"), target="assessment.assessor"),
            Column("health_notes", "健康状况", ("健康备注", "health_notes")),
            Column("caregiver_sex_preference", "护理员性别偏好", ("caregiver_sex_preference",), sex),
            Column("status", "状态", ("status",), resident_status, note=_l("正常/暂停/住院/已故")),
            Column("deceased_on", "死亡日期", ("去世日期", "deceased_on"), iso_date),
            Column("consent_signed_on", "知情同意日期", ("consent_signed_on",), iso_date),
            Column("contact_name", "紧急联系人", ("联系人", "联系人姓名", "紧急联系人姓名",
                   "家属姓名", "contact_name"), target="family.name"),
            Column("contact_relationship", "联系人关系", ("关系", "与老人关系",
                   "contact_relationship"), target="family.relationship"),
            Column("contact_phone", "紧急联系电话", ("联系人电话", "联系方式", "紧急联系人电话",
                   "家属电话", "contact_phone"), phone, target="family.phone", as_text=True),
            Column("contact_lives_away", "联系人是否异地", ("子女是否异地", "contact_lives_away"),
                   yes_no, target="family.lives_away", note=_l("是/否")),
            Column("agreement_signed_on", "居家养老协议签订日期", ("协议签订日期",
                   "agreement_signed_on"), iso_date, target="family.agreement_signed_on"),
        ),
        fields={
            "name": "name", "id_number": "id_number", "sex": "sex", "birth_date": "birth_date",
            "phone": "phone", "address": "address", "station_id": "station",
            "latitude": "latitude", "longitude": "longitude", "household": "household",
            "categories": "categories", "health_notes": "health_notes",
            "caregiver_sex_preference": "caregiver_sex_preference", "status": "status",
            "status_since": "status", "deceased_on": "deceased_on",
            "consent_signed_on": "consent_signed_on", "level": "ability_level",
            "assessed_on": "assessed_on", "assessor": "assessor",
            "family_members.name": "contact_name",
            "family_members.relationship": "contact_relationship",
            "family_members.phone": "contact_phone",
            "family_members.lives_away": "contact_lives_away",
            "family_members.agreement_signed_on": "agreement_signed_on",
            "family_members": "contact_name",
        },
        identity_column="id_number",
        identity_what="id_number",
        identity=_id_identity,
        complete=_resident_complete,
        create=_create_resident,
        prepare=_registered,
        build=_build_resident,
        save_many=_save,
    )
)  # fmt: skip


# --- caregivers -------------------------------------------------------------------------------


def _caregiver_complete(payload: dict, _ctx: Context) -> None:
    certificate = payload.pop("certificate", None)
    if certificate:
        if "kind" not in certificate:
            raise CellError("certificate_kind", "certificate")
        payload["certificates"] = [certificate]


def _caregiver_identity(payload: dict) -> tuple[str, str] | None:
    if payload.get("name") and payload.get("phone"):
        return payload["name"], payload["phone"]
    return None


CAREGIVERS = register(
    Spec(
        kind="caregivers",
        entity="caregiver",
        title=_l("Import caregivers"),
        list_endpoint="registry.caregivers",
        writers=staff.CAREGIVER_WRITERS,
        station_column="station",
        columns=(
            Column("name", "姓名", ("员工姓名", "护理员姓名", "name"), required=True),
            Column("sex", "性别", ("sex", "gender"), sex, required=True, note=_l("男/女")),
            Column("phone", "联系电话", ("手机号", "手机号码", "电话", "手机", "联系方式", "phone",
                   "mobile"), phone, as_text=True),
            Column("provider", "服务机构", ("服务商", "所属机构", "所属单位", "provider",
                   "provider_credit_code"), provider, required=True, target="provider_id",
                   note=_l("unified social credit code or exact name")),
            _station_column(),
            Column("skills", "技能", ("服务技能", "skills"), many(skill),
                   note=_l("助餐、保洁、助浴、护理、助医、陪同、康复、陪伴")),
            Column("working_hours", "工作时间", ("working_hours",), working_hours,
                   note=_l("周一至周五 08:00-12:00,13:30-17:30；周六 09:00-12:00")),
            Column("travel_mode", "出行方式", ("交通方式", "travel_mode"), travel_mode,
                   note=_l("步行/电动车")),
            Column("home_latitude", "家庭纬度", ("纬度", "home_latitude", "latitude"), number),
            Column("home_longitude", "家庭经度", ("经度", "home_longitude", "longitude"), number),
            Column("max_minutes_per_day", "每日最长工时", ("max_minutes_per_day",), integer,
                   note=_l("minutes, 60-720")),
            Column("status", "状态", ("status",), staff_status, note=_l("在职/离职")),
            Column("certificate", "证书名称", ("证书", "certificate"), target="certificate.kind"),
            Column("certificate_number", "证书编号", ("certificate_number",),
                   target="certificate.number"),
            Column("certificate_issued_on", "发证日期", ("certificate_issued_on",), iso_date,
                   target="certificate.issued_on"),
            Column("certificate_expires_on", "证书有效期至", ("有效期至", "certificate_expires_on"),
                   iso_date, target="certificate.expires_on"),
        ),
        fields={
            "name": "name", "sex": "sex", "phone": "phone", "provider_id": "provider",
            "station_id": "station", "skills": "skills", "working_hours": "working_hours",
            "travel_mode": "travel_mode", "home_latitude": "home_latitude",
            "home_longitude": "home_longitude", "max_minutes_per_day": "max_minutes_per_day",
            "status": "status", "certificates.kind": "certificate",
            "certificates.number": "certificate_number",
            "certificates.issued_on": "certificate_issued_on",
            "certificates.expires_on": "certificate_expires_on", "certificates": "certificate",
        },
        identity_column="phone",
        identity_what="name_phone",
        identity=_caregiver_identity,
        complete=_caregiver_complete,
        create=lambda actor, payload, _ctx: staff.create_caregiver(actor, payload),
    )
)  # fmt: skip


# --- volunteers -------------------------------------------------------------------------------


def _volunteer_complete(payload: dict, _ctx: Context) -> None:
    payload.setdefault("joined_on", local_today().isoformat())


VOLUNTEERS = register(
    Spec(
        kind="volunteers",
        entity="volunteer",
        title=_l("Import volunteers"),
        list_endpoint="registry.volunteers",
        writers=WRITE_ROLES,
        station_column="station",
        columns=(
            Column("name", "姓名", ("志愿者姓名", "name"), required=True),
            Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "证件号码",
                   "id_number"), id_text, required=True, as_text=True),
            Column("phone", "联系电话", ("手机号", "手机号码", "电话", "手机", "联系方式", "phone"),
                   phone, as_text=True),
            _station_column(),
            Column("joined_on", "加入日期", ("注册日期", "入队日期", "joined_on"), iso_date,
                   note=_l("empty: the day of the import")),
            Column("status", "状态", ("status",), staff_status, note=_l("在职/离职")),
            Column("skills_note", "特长", ("技能", "服务特长", "skills_note")),
        ),
        fields={
            "name": "name", "id_number": "id_number", "phone": "phone",
            "station_id": "station", "joined_on": "joined_on", "status": "status",
            "skills_note": "skills_note", "resident_id": "id_number",
        },
        identity_column="id_number",
        identity_what="id_number",
        identity=_id_identity,
        complete=_volunteer_complete,
        create=lambda actor, payload, _ctx: staff.create_volunteer(actor, payload),
    )
)  # fmt: skip
