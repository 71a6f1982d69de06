"""The columns of the import sheets: Chinese headers as stations write them, English aliases, and
how a cell becomes a field of the service payload. Cell problems are named; the services judge the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l

from carehub.auth.models import User
from carehub.auth.scoping import WRITE_ROLES
from carehub.registry import models as m
from carehub.registry.idnumbers import InvalidIdentifier, parse_id_number
from carehub.registry.services import residents, staff


class CellError(ValueError):
    """A cell that cannot be read; ``key`` names the column when it is not the cell's own."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


# --- converters: (cell value, context) -> payload value, or CellError --------------------------


def text(value: Any, _ctx: dict | None = None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        raise CellError("expected text, found a date")
    return str(value).strip()


def id_text(value: Any, _ctx: dict | None = None) -> str:
    if isinstance(value, float):
        raise CellError(
            "stored as a number, so Excel dropped its last digits: format the column as text"
        )
    return text(value).upper()


def phone(value: Any, _ctx: dict | None = None) -> str:
    if isinstance(value, float) and not value.is_integer():
        raise CellError("not a phone number")
    return re.sub(r"[\s]", "", text(value))


def number(value: Any, _ctx: dict | None = None) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise CellError("not a number") from None


def integer(value: Any, _ctx: dict | None = None) -> int:
    result = number(value)
    if not result.is_integer():
        raise CellError("not a whole number")
    return int(result)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def iso_date(value: Any, _ctx: dict | None = None) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = text(value).split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    raise CellError(f"not a date: {raw} (write 2024-05-01)")


def _lookup(table: dict[str, str], what: str) -> Callable[[Any, dict | None], str]:
    normalised = {k.lower(): v for k, v in table.items()}

    def convert(value: Any, _ctx: dict | None = None) -> str:
        raw = text(value)
        found = normalised.get(raw.lower())
        if found is None:
            allowed = "、".join(dict.fromkeys(k for k in table if not k.isascii()))
            raise CellError(f"unknown {what} {raw} (use {allowed})")
        return found

    return convert


def _many(one: Callable[[Any, dict | None], str]) -> Callable[[Any, dict | None], list[str]]:
    """Several values in one cell, separated by 、 , ， ; ； / or spaces."""

    def convert(value: Any, ctx: dict | None = None) -> list[str]:
        parts = [p for p in re.split(r"[、,，;；/\s]+", text(value)) if p and p not in ("无", "—")]
        return list(dict.fromkeys(one(p, ctx) for p in parts))

    return convert


sex = _lookup({"男": "M", "女": "F", "M": "M", "F": "F", "male": "M", "female": "F"}, "sex")
yes_no = _lookup(
    {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "true": True,
     "false": False, "1": True, "0": False, "√": True, "×": False},
    "answer",
)  # fmt: skip
household = _lookup(
    {"独居": "alone", "空巢": "empty_nest", "与配偶同住": "empty_nest", "与子女同住": "with_family",
     "与家人同住": "with_family", "同住": "with_family", "有护工": "with_carer",
     "与保姆同住": "with_carer", "护工同住": "with_carer", **{h: h for h in m.HOUSEHOLDS}},
    "living situation",
)  # fmt: skip
category = _lookup(
    {"三无": "sanwu", "城镇三无": "sanwu", "三无老人": "sanwu", "五保": "wubao", "农村五保": "wubao",
     "五保户": "wubao", "优抚": "youfu", "重点优抚": "youfu", "优抚对象": "youfu", "低保": "dibao",
     "低保户": "dibao", "低收入": "low_income", "低收入家庭": "low_income",
     **{c: c for c in m.CATEGORIES}},
    "category",
)  # fmt: skip
resident_status = _lookup(
    {"正常": "active", "在册": "active", "暂停": "suspended", "住院": "hospitalised",
     "已故": "deceased", "去世": "deceased", **{s: s for s in m.RESIDENT_STATUSES}},
    "status",
)  # fmt: skip
staff_status = _lookup(
    {"在职": "active", "在岗": "active", "离职": "inactive", "停用": "inactive",
     **{s: s for s in m.STAFF_STATUSES}},
    "status",
)  # fmt: skip
travel_mode = _lookup(
    {"步行": "walk", "电动车": "ebike", "电瓶车": "ebike", "电动自行车": "ebike", "e-bike": "ebike",
     **{t: t for t in m.TRAVEL_MODES}},
    "travel mode",
)  # fmt: skip
skill = _lookup(
    {"助餐": "meal", "做饭": "meal", "保洁": "cleaning", "助洁": "cleaning", "助浴": "bathing",
     "护理": "nursing", "生活护理": "nursing", "助医": "medical", "医疗": "medical",
     "助行": "escort", "陪同": "escort", "陪诊": "escort", "康复": "rehab", "陪伴": "companion",
     "精神慰藉": "companion", **{s: s for s in m.SKILLS}},
    "skill",
)  # fmt: skip
_LEVEL_NAMES = {"能力完好": 0, "轻度失能": 1, "中度失能": 2, "重度失能": 3, "完全失能": 4}


def ability_level(value: Any, _ctx: dict | None = None) -> int:
    raw = text(value)
    if raw in _LEVEL_NAMES:
        return _LEVEL_NAMES[raw]
    digits = raw.removesuffix("级")
    if digits.isdigit() and int(digits) in m.ABILITY_LEVELS:
        return int(digits)
    raise CellError(f"unknown ability level {raw} (use 0-4 or 能力完好 … 完全失能)")


def station(value: Any, ctx: dict) -> int:
    raw = text(value)
    found = ctx["stations"].get(raw.upper()) or ctx["stations"].get(raw)
    if found is None:
        raise CellError(f"unknown station {raw}")
    return found


def provider(value: Any, ctx: dict) -> int:
    raw = text(value)
    found = ctx["providers"].get(raw.upper()) or ctx["providers"].get(raw)
    if found is None:
        raise CellError(f"unknown provider {raw} (give its credit code or exact name)")
    return found


# --- working hours: "周一至周五 08:00-12:00,13:30-17:30；周六 09:00-12:00" -------------------

_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_DAYS |= {f"周{k}": v for k, v in _DAYS.items()}
_DAYS |= {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_DAY_GROUPS = {"每天": range(7), "每日": range(7), "工作日": range(5), "周末": range(5, 7)}
_SPAN = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-~～—–至到]\s*(\d{1,2})[:：](\d{2})")
HOURS_HINT = "write e.g. 周一至周五 08:00-17:00；周六 09:00-12:00"


def working_hours(value: Any, _ctx: dict | None = None) -> list[dict]:
    periods = []
    for segment in filter(None, (s.strip() for s in re.split(r"[;；\n]", text(value)))):
        spans = list(_SPAN.finditer(segment))
        if not spans:
            raise CellError(f"cannot read working hours {segment!r}: {HOURS_HINT}")
        days = _weekdays(segment[: spans[0].start()])
        for span in spans:
            try:
                start = time(int(span[1]), int(span[2]))
                end = time(int(span[3]), int(span[4]))
            except ValueError:
                raise CellError(f"impossible time in {span[0]!r}") from None
            periods += [{"weekday": d, "start": start.isoformat("minutes"),
                         "end": end.isoformat("minutes")} for d in days]  # fmt: skip
    return periods


def _weekdays(spec: str) -> list[int]:
    spec = spec.replace("星期", "周").strip().lower()
    if not spec:
        raise CellError(f"name the days before the hours: {HOURS_HINT}")
    days: list[int] = []
    for part in filter(None, re.split(r"[、,，/\s]+", spec)):
        if part in _DAY_GROUPS:
            days += _DAY_GROUPS[part]
            continue
        ends = re.split(r"[-~～—–至到]", part)
        try:
            first, last = _DAYS[ends[0]], _DAYS[ends[-1].removeprefix("周")]
        except KeyError:
            raise CellError(f"unknown day {part!r}: {HOURS_HINT}") from None
        days += range(first, last + 1) if last >= first else [*range(first, 7), *range(last + 1)]
    return list(dict.fromkeys(days))


# --- the two sheets --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header written in the template
    aliases: tuple[str, ...] = ()
    convert: Callable[[Any, dict], Any] = text
    required: bool = False
    target: str | None = None  # dotted path in the payload; default: the key
    note: Any = ""  # what to write (a lazy translation), shown on the page and in the template

    def store(self, payload: dict, value: Any) -> None:
        *parents, leaf = (self.target or self.key).split(".")
        for part in parents:
            payload = payload.setdefault(part, {})
        payload[leaf] = value


def normalise_header(raw: Any) -> str:
    value = re.sub(r"[\s*＊]", "", str(raw or ""))
    return re.split(r"[(（]", value)[0].lower()


@dataclass
class Spec:
    kind: str
    entity: str
    writers: frozenset[str]
    columns: tuple[Column, ...]
    fields: dict[str, str]  # service error field (indices dropped) -> column key
    identity_column: str
    identity_label: str
    create: Callable[[User, dict], Any]
    complete: Callable[[dict, dict], None]
    identity: Callable[[dict], Any]
    _keys: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in self.columns:
            for name in (column.header, column.key, *column.aliases):
                self._keys.setdefault(normalise_header(name), column.key)

    def key_for(self, header: Any) -> str | None:
        return self._keys.get(normalise_header(header)) if header is not None else None

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def column_for_field(self, name: str) -> str | None:
        plain = ".".join(p for p in name.split(".") if not p.isdigit())
        return self.fields.get(plain) or self.fields.get(plain.split(".")[0])

    @property
    def header_hint(self) -> str:
        return "、".join(c.header for c in self.columns if c.required)


def _resident_complete(payload: dict, ctx: dict) -> None:
    family = payload.pop("family", None)
    if family:
        if not family.get("name"):
            raise CellError("name the contact whose phone or agreement is given", "contact_name")
        family.setdefault("relationship", "家属")
        payload["family_members"] = [{**family, "emergency_contact": True}]
    assessment = payload.pop("assessment", None)
    if assessment:
        if "level" not in assessment:
            raise CellError("give the level of the assessment", "ability_level")
        actor = ctx["actor"]
        assessment.setdefault("assessed_on", date.today().isoformat())
        assessment.setdefault("assessor", actor.display_name or actor.username)
        payload["_assessment"] = assessment


def _create_resident(actor: User, payload: dict):
    assessment = payload.pop("_assessment", None)
    resident = residents.create_resident(actor, payload)
    if assessment:
        residents.add_assessment(actor, resident.id, assessment)
    return resident


def _resident_identity(payload: dict) -> str | None:
    try:
        return parse_id_number(payload.get("id_number", "")).value
    except InvalidIdentifier:
        return None


RESIDENTS = Spec(
    kind="residents",
    entity="resident",
    writers=WRITE_ROLES,
    columns=(
        Column("name", "姓名", ("name",), required=True),
        Column(
            "id_number",
            "身份证号",
            ("公民身份号码", "身份证号码", "id_number", "id"),
            id_text,
            required=True,
        ),
        Column(
            "sex", "性别", ("sex", "gender"), sex, note=_l("男/女 (checked against the ID number)")
        ),
        Column("birth_date", "出生日期", ("birth_date",), iso_date),
        Column("phone", "联系电话", ("电话", "手机", "phone", "mobile"), phone),
        Column("address", "住址", ("地址", "家庭住址", "居住地址", "address"), required=True),
        Column(
            "station",
            "所属服务站",
            ("服务站", "服务站编码", "station", "station_code"),
            station,
            required=True,
            target="station_id",
            note=_l("station code, e.g. GL-01"),
        ),
        Column("latitude", "纬度", ("latitude", "lat"), number),
        Column("longitude", "经度", ("longitude", "lon", "lng"), number),
        Column(
            "household",
            "居住情况",
            ("household",),
            household,
            note=_l("独居/空巢/与子女同住/有护工"),
        ),
        Column(
            "categories",
            "类别",
            ("人员类别", "老人类别", "categories", "category"),
            _many(category),
            note=_l("三无、五保、优抚、低保、低收入 (several: 、)"),
        ),
        Column(
            "ability_level",
            "能力等级",
            ("评估等级", "ability_level", "level"),
            ability_level,
            target="assessment.level",
            note=_l("0-4 or 能力完好/轻度失能/中度失能/重度失能/完全失能"),
        ),
        Column(
            "assessed_on", "评估日期", ("assessed_on",), iso_date, target="assessment.assessed_on"
        ),
        Column("assessor", "评估员", ("assessor",), target="assessment.assessor"),
        Column("health_notes", "健康状况", ("健康备注", "health_notes")),
        Column("caregiver_sex_preference", "护理员性别偏好", ("caregiver_sex_preference",), sex),
        Column("status", "状态", ("status",), resident_status, note=_l("正常/暂停/住院/已故")),
        Column("deceased_on", "死亡日期", ("去世日期", "deceased_on"), iso_date),
        Column("consent_signed_on", "知情同意日期", ("consent_signed_on",), iso_date),
        Column(
            "contact_name",
            "紧急联系人",
            ("联系人", "联系人姓名", "contact_name"),
            target="family.name",
        ),
        Column(
            "contact_relationship",
            "联系人关系",
            ("关系", "contact_relationship"),
            target="family.relationship",
        ),
        Column("contact_phone", "联系人电话", ("contact_phone",), phone, target="family.phone"),
        Column(
            "contact_lives_away",
            "联系人是否异地",
            ("子女是否异地", "contact_lives_away"),
            yes_no,
            target="family.lives_away",
            note=_l("是/否"),
        ),
        Column(
            "agreement_signed_on",
            "居家养老协议签订日期",
            ("协议签订日期", "agreement_signed_on"),
            iso_date,
            target="family.agreement_signed_on",
        ),
    ),  # fmt: skip
    fields={
        "name": "name",
        "id_number": "id_number",
        "sex": "sex",
        "birth_date": "birth_date",
        "phone": "phone",
        "address": "address",
        "station_id": "station",
        "latitude": "latitude",
        "longitude": "longitude",
        "household": "household",
        "categories": "categories",
        "health_notes": "health_notes",
        "caregiver_sex_preference": "caregiver_sex_preference",
        "status": "status",
        "status_since": "status",
        "deceased_on": "deceased_on",
        "consent_signed_on": "consent_signed_on",
        "level": "ability_level",
        "assessed_on": "assessed_on",
        "assessor": "assessor",
        "family_members.name": "contact_name",
        "family_members.relationship": "contact_relationship",
        "family_members.phone": "contact_phone",
        "family_members.lives_away": "contact_lives_away",
        "family_members.agreement_signed_on": "agreement_signed_on",
        "family_members": "contact_name",
    },  # fmt: skip
    identity_column="id_number",
    identity_label="ID number",
    create=_create_resident,
    complete=_resident_complete,
    identity=_resident_identity,
)


def _caregiver_complete(payload: dict, _ctx: dict) -> None:
    certificate = payload.pop("certificate", None)
    if certificate:
        if "kind" not in certificate:
            raise CellError("name the certificate whose dates are given", "certificate")
        payload["certificates"] = [certificate]


def _caregiver_identity(payload: dict) -> tuple[str, str] | None:
    if payload.get("name") and payload.get("phone"):
        return payload["name"], payload["phone"]
    return None


CAREGIVERS = Spec(
    kind="caregivers",
    entity="caregiver",
    writers=staff.CAREGIVER_WRITERS,
    columns=(
        Column("name", "姓名", ("name",), required=True),
        Column("sex", "性别", ("sex", "gender"), sex, required=True, note=_l("男/女")),
        Column("phone", "联系电话", ("电话", "手机", "phone", "mobile"), phone),
        Column(
            "provider",
            "服务机构",
            ("服务商", "所属机构", "provider", "provider_credit_code"),
            provider,
            required=True,
            target="provider_id",
            note=_l("unified social credit code or exact name"),
        ),
        Column(
            "station",
            "所属服务站",
            ("服务站", "服务站编码", "station", "station_code"),
            station,
            required=True,
            target="station_id",
            note=_l("station code, e.g. GL-01"),
        ),
        Column(
            "skills",
            "技能",
            ("服务技能", "skills"),
            _many(skill),
            note=_l("助餐、保洁、助浴、护理、助医、陪同、康复、陪伴"),
        ),
        Column(
            "working_hours",
            "工作时间",
            ("working_hours",),
            working_hours,
            note=_l("周一至周五 08:00-12:00,13:30-17:30；周六 09:00-12:00"),
        ),
        Column(
            "travel_mode",
            "出行方式",
            ("交通方式", "travel_mode"),
            travel_mode,
            note=_l("步行/电动车"),
        ),
        Column("home_latitude", "家庭纬度", ("纬度", "home_latitude", "latitude"), number),
        Column("home_longitude", "家庭经度", ("经度", "home_longitude", "longitude"), number),
        Column(
            "max_minutes_per_day",
            "每日最长工时",
            ("max_minutes_per_day",),
            integer,
            note=_l("minutes, 60-720"),
        ),
        Column("status", "状态", ("status",), staff_status, note=_l("在职/离职")),
        Column("certificate", "证书名称", ("证书", "certificate"), target="certificate.kind"),
        Column(
            "certificate_number", "证书编号", ("certificate_number",), target="certificate.number"
        ),
        Column(
            "certificate_issued_on",
            "发证日期",
            ("certificate_issued_on",),
            iso_date,
            target="certificate.issued_on",
        ),
        Column(
            "certificate_expires_on",
            "证书有效期至",
            ("有效期至", "certificate_expires_on"),
            iso_date,
            target="certificate.expires_on",
        ),
    ),  # fmt: skip
    fields={
        "name": "name",
        "sex": "sex",
        "phone": "phone",
        "provider_id": "provider",
        "station_id": "station",
        "skills": "skills",
        "working_hours": "working_hours",
        "travel_mode": "travel_mode",
        "home_latitude": "home_latitude",
        "home_longitude": "home_longitude",
        "max_minutes_per_day": "max_minutes_per_day",
        "status": "status",
        "certificates.kind": "certificate",
        "certificates.number": "certificate_number",
        "certificates.issued_on": "certificate_issued_on",
        "certificates.expires_on": "certificate_expires_on",
        "certificates": "certificate",
    },  # fmt: skip
    identity_column="phone",
    identity_label="name and phone",
    create=staff.create_caregiver,
    complete=_caregiver_complete,
    identity=_caregiver_identity,
)

SPECS = {spec.kind: spec for spec in (RESIDENTS, CAREGIVERS)}


def spec_for(kind: str) -> Spec:
    from carehub.common.errors import NotFound

    if kind not in SPECS:
        raise NotFound(f"nothing to import as {kind!r}: use {' or '.join(SPECS)}")
    return SPECS[kind]
