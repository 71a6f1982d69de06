"""Input and output schemas of the registry; services load input through them."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import validates, validates_schema

from carehub.common import fields, validate
from carehub.common.clock import local_today
from carehub.common.errors import Invalid
from carehub.common.normalise import NotNormal, normalise_id_number
from carehub.common.schema import (
    Code,
    Day,
    Int,
    Phone,
    Schema,
    Text,
    Yuan,
    choice,
    ident,
    integer,
    refuse,
    text,
)  # fmt: skip
from carehub.registry import models as m
from carehub.registry.idnumbers import InvalidIdentifier, age_on, parse_credit_code, parse_id_number

MIN_RESIDENT_AGE = 60
MIN_VOLUNTEER_AGE = 18
# Upper bounds on lists, so that one request cannot store an unbounded number of rows.
MAX_FAMILY_MEMBERS = 20
MAX_CERTIFICATES = 50
MAX_WORKING_PERIODS = 28  # four a day
MAX_CONTRACT_STATIONS = 100
MAX_PAGE = 1_000_000


def _check_id(value: str) -> None:
    try:
        parse_id_number(value)
    except InvalidIdentifier as exc:
        raise refuse(exc.code, exc.message) from None


class IdNumberText(Text):
    """An ID number read as ASCII however it was typed; ``parse_id_number`` then judges it.

    No length limit here: the number's own check says how many characters were entered.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalise_id_number(super()._deserialize(value, attr, data, **kwargs))
        except NotNormal:
            message = _l("Must be 17 digits followed by a digit or X.")
            raise refuse("id_characters", message) from None


def version_out() -> fields.Integer:
    """The record's version; a change sent with it (If-Match) applies only to that version."""
    return fields.Integer(
        metadata={"description": "Send it back (If-Match or version) to change this version only"}
    )


def _not_future(value: date) -> None:
    if value > local_today():
        raise refuse("future_date", _l("Cannot be in the future."))


def at_most(n: int) -> validate.Length:
    return validate.Length(max=n)


def birthday(born: date, age: int) -> date:
    """The day a person born on ``born`` turns ``age`` (1 March for 29 February)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


def check_assessment_date(assessed_on: date, birth_date: date) -> None:
    """An ability assessment of the elderly is made from age 60, never before."""
    turned = birthday(birth_date, MIN_RESIDENT_AGE)
    if assessed_on < turned:
        message = _l(
            "Before the resident turned %(age)s (%(day)s).", age=MIN_RESIDENT_AGE, day=turned
        )
        raise Invalid.field("assessed_on", message, code="assessment_before_60")


def _check_coordinates(data: dict) -> None:
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        field = "longitude" if lon is None else "latitude"
        message = _l("Give both latitude and longitude, or neither.")
        raise refuse("coordinates_pair", message, field)


class FamilyMemberIn(Schema):
    id = fields.Integer(strict=True, allow_none=True)  # a stored member to change in place
    name = text(40, required=True)
    relationship = text(20, required=True)
    phone = Phone(required=True)
    lives_away = fields.Boolean(load_default=False)
    emergency_contact = fields.Boolean(load_default=False)
    agreement_signed_on = Day(allow_none=True, validate=_not_future)


class ResidentIn(Schema):
    station_id = ident(required=True)
    name = text(40, required=True)
    id_number = IdNumberText(required=True)
    sex = choice(m.SEXES)
    birth_date = Day()
    phone = Phone(allow_none=True)
    address = text(200, required=True)
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    household = choice(m.HOUSEHOLDS, load_default="with_family")
    categories = fields.List(
        choice(m.CATEGORIES), load_default=list, validate=at_most(len(m.CATEGORIES))
    )
    health_notes = text(2000, load_default="")
    caregiver_sex_preference = choice(m.SEXES, allow_none=True)
    status = choice(m.RESIDENT_STATUSES, load_default="active")
    status_since = Day(allow_none=True, validate=_not_future)
    deceased_on = Day(allow_none=True, validate=_not_future)
    consent_signed_on = Day(allow_none=True, validate=_not_future)
    consent_note = text(200, load_default="")
    family_members = fields.List(
        fields.Nested(FamilyMemberIn), load_default=list, validate=at_most(MAX_FAMILY_MEMBERS)
    )

    @validates("id_number")
    def _id_number(self, value: str, **_) -> None:
        _check_id(value)

    @validates("categories")
    def _categories(self, value: list[str], **_) -> None:
        if len(set(value)) != len(value):
            raise refuse("category_twice", _l("A category is listed twice."))

    @validates_schema
    def _consistent(self, data: dict, partial=None, **_) -> None:
        _check_coordinates(data)
        if data.get("id_number"):
            self._match_id_number(data)
        status, deceased_on = data.get("status"), data.get("deceased_on")
        if status == "deceased" and deceased_on is None and not partial:
            message = _l("Required when the status is deceased.")
            raise refuse("date_of_death_required", message, "deceased_on")
        if deceased_on is not None and status not in (None, "deceased"):
            message = _l("Only a deceased resident has a date of death.")
            raise refuse("date_of_death_not_deceased", message, "deceased_on")

    @staticmethod
    def _match_id_number(data: dict) -> None:
        try:
            parsed = parse_id_number(data["id_number"])
        except InvalidIdentifier:
            return  # reported on the field itself
        if data.get("sex") and data["sex"] != parsed.sex:
            message = _l("Does not match the sex in the ID number.")
            raise refuse("sex_mismatch", message, "sex")
        if data.get("birth_date") and data["birth_date"] != parsed.birth_date:
            message = _l("Does not match the birth date in the ID number.")
            raise refuse("birth_date_mismatch", message, "birth_date")
        if age_on(parsed.birth_date, local_today()) < MIN_RESIDENT_AGE:
            message = _l("A resident must be aged %(age)s or over.", age=MIN_RESIDENT_AGE)
            raise refuse("too_young", message, "id_number")
        if data.get("deceased_on") and data["deceased_on"] < parsed.birth_date:
            message = _l("Before the date of birth in the ID number.")
            raise refuse("death_before_birth", message, "deceased_on")


class AssessmentIn(Schema):
    assessed_on = Day(required=True)
    level = Int(required=True, strict=True, validate=validate.OneOf(m.ABILITY_LEVELS))
    self_care = integer(0, 32, allow_none=True)
    mobility = integer(0, 28, allow_none=True)
    mental = integer(0, 24, allow_none=True)
    perception = integer(0, 16, allow_none=True)
    assessor = text(40, required=True)
    notes = text(2000, load_default="")

    @validates("assessed_on")
    def _not_future(self, value: date, **_) -> None:
        if value > local_today():
            message = _l("An assessment cannot be dated in the future.")
            raise refuse("future_assessment", message)


class FamilyMemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    relationship = fields.String(attribute="relationship_")
    phone = fields.String(attribute="phone_masked")
    lives_away = fields.Boolean()
    emergency_contact = fields.Boolean()
    agreement_signed_on = fields.Date(allow_none=True)


class AssessmentOut(AssessmentIn):
    id = fields.Integer()
    resident_id = fields.Integer()
    created_at = fields.DateTime()


class ResidentOut(Schema):
    id = fields.Integer()
    station_id = fields.Integer()
    station_code = fields.String(attribute="station.code")
    name = fields.String()
    sex = fields.String()
    birth_date = fields.Date()
    age = fields.Method("_age")
    id_number = fields.String(attribute="id_number_masked")
    phone = fields.String(attribute="phone_masked", allow_none=True)
    address = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    household = fields.String()
    categories = fields.List(fields.String())
    ability_level = fields.Integer(attribute="current_assessment.level", allow_none=True)
    health_notes = fields.String()
    caregiver_sex_preference = fields.String(allow_none=True)
    status = fields.String()
    status_since = fields.Date(allow_none=True)
    deceased_on = fields.Date(allow_none=True)
    consent_signed_on = fields.Date(allow_none=True)
    consent_note = fields.String()
    family_members = fields.List(fields.Nested(FamilyMemberOut))
    created_at = fields.DateTime()
    version = version_out()
    updated_at = fields.DateTime()

    def _age(self, obj) -> int:
        return age_on(obj.birth_date, local_today())


class ResidentQuery(Schema):
    q = text(40)
    station_id = ident(strict=False)
    category = choice(m.CATEGORIES)
    ability_level = Int(validate=validate.OneOf(m.ABILITY_LEVELS))
    status = choice(m.RESIDENT_STATUSES)
    household = choice(m.HOUSEHOLDS)
    page = integer(1, MAX_PAGE, strict=False, load_default=1)
    per_page = integer(1, 200, strict=False, load_default=25)


class PageQuery(Schema):
    q = text(60)
    station_id = ident(strict=False)
    provider_id = ident(strict=False)
    status = choice(m.STAFF_STATUSES)
    page = integer(1, MAX_PAGE, strict=False, load_default=1)
    per_page = integer(1, 200, strict=False, load_default=25)


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A paged list envelope for ``item_schema``."""
    return type(
        f"{item_schema.__name__.removesuffix('Out')}Page",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "pages": fields.Integer(),
        },
    )


# --- stations and the network ---------------------------------------------------------------


class StationOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    street = fields.String(attribute="street.name")
    community = fields.String(attribute="community.name", allow_none=True)
    address = fields.String()
    phone = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()


class StationIn(Schema):
    code = Code(required=True, upper=False, validate=validate.Length(1, 16))
    name = text(80, required=True)
    street_id = ident(required=True)
    community_id = ident(allow_none=True)
    address = text(200, load_default="")
    phone = Phone(load_default="")
    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))


class ServiceTypeOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    default_minutes = fields.Integer()
    carers = fields.Integer()
    skills = fields.List(fields.String(), attribute="skill_codes")


class ServiceTypeIn(Schema):
    name_zh = text(20, required=True)
    name_en = text(40, required=True)
    default_minutes = integer(5, 480, required=True)
    carers = integer(1, 2, required=True)
    skills = fields.List(choice(m.SKILLS), required=True, validate=at_most(len(m.SKILLS)))


class CommunityOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class StreetOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    communities = fields.List(fields.Nested(CommunityOut))


class DistrictOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    city = fields.String()
    streets = fields.List(fields.Nested(StreetOut))


# --- providers ------------------------------------------------------------------------------


class ContractPriceIn(Schema):
    service_code = choice(m.SERVICE_CODES, required=True)
    unit_price = Yuan(required=True)
    unit_minutes = integer(1, 480, load_default=60)


class ContractIn(Schema):
    number = text(40, required=True)
    valid_from = Day(required=True)
    valid_to = Day(required=True)
    station_ids = fields.List(ident(), required=True, validate=at_most(MAX_CONTRACT_STATIONS))
    prices = fields.List(
        fields.Nested(ContractPriceIn),
        required=True,
        validate=validate.Length(min=1, max=len(m.SERVICE_CODES)),
    )

    @validates_schema
    def _dates(self, data: dict, **_) -> None:
        if (
            data.get("valid_to")
            and data.get("valid_from")
            and data["valid_to"] < data["valid_from"]
        ):
            message = _l("Must not be before the start date.")
            raise refuse("ends_before_start", message, "valid_to")
        codes = [p["service_code"] for p in data.get("prices", [])]
        if len(set(codes)) != len(codes):
            raise refuse("priced_twice", _l("A service is priced twice."), "prices")


class ContractPriceOut(Schema):
    service_code = fields.String()
    unit_price = Yuan(attribute="unit_price_fen")
    unit_minutes = fields.Integer()


class ContractOut(Schema):
    id = fields.Integer()
    provider_id = fields.Integer()
    number = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    station_ids = fields.Method("_stations")
    prices = fields.List(fields.Nested(ContractPriceOut))

    def _stations(self, obj) -> list[int]:
        return sorted(s.id for s in obj.stations)


class ProviderIn(Schema):
    name = text(100, required=True)
    credit_code = Code(required=True)
    contact_name = text(40, load_default="")
    phone = Phone(load_default="")
    address = text(200, load_default="")
    status = choice(m.STAFF_STATUSES, load_default="active")

    @validates("credit_code")
    def _credit_code(self, value: str, **_) -> None:
        try:
            parse_credit_code(value)
        except InvalidIdentifier as exc:
            raise refuse(exc.code, exc.message) from None


class ProviderOut(Schema):
    id = fields.Integer()
    name = fields.String()
    credit_code = fields.String()
    contact_name = fields.String()
    phone = fields.String()
    address = fields.String()
    status = fields.String()
    version = version_out()
    contracts = fields.List(fields.Nested(ContractOut))


# --- caregivers and volunteers --------------------------------------------------------------


class CertificateIn(Schema):
    id = fields.Integer(strict=True, allow_none=True, load_only=True)  # a stored one, in place
    kind = text(60, required=True)
    number = text(40, load_default="")
    issued_on = Day(required=True, validate=_not_future)
    expires_on = Day(allow_none=True)

    @validates_schema
    def _dates(self, data: dict, **_) -> None:
        if (
            data.get("expires_on")
            and data.get("issued_on")
            and data["expires_on"] < data["issued_on"]
        ):
            message = _l("Must not be before the issue date.")
            raise refuse("expires_before_issue", message, "expires_on")


class WorkingHoursIn(Schema):
    weekday = integer(0, 6, required=True)
    start = fields.Time(required=True)
    end = fields.Time(required=True)

    @validates_schema
    def _order(self, data: dict, **_) -> None:
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise refuse("ends_before_start", _l("Must be after the start time."), "end")


class CaregiverIn(Schema):
    provider_id = ident(required=True)
    station_id = ident(required=True)
    name = text(40, required=True)
    sex = choice(m.SEXES, required=True)
    phone = Phone(allow_none=True)
    home_latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    home_longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    travel_mode = choice(m.TRAVEL_MODES, load_default="ebike")
    max_minutes_per_day = integer(60, 720, load_default=480)
    status = choice(m.STAFF_STATUSES, load_default="active")
    skills = fields.List(choice(m.SKILLS), load_default=list, validate=at_most(len(m.SKILLS)))
    certificates = fields.List(
        fields.Nested(CertificateIn), load_default=list, validate=at_most(MAX_CERTIFICATES)
    )
    working_hours = fields.List(
        fields.Nested(WorkingHoursIn), load_default=list, validate=at_most(MAX_WORKING_PERIODS)
    )

    @validates_schema
    def _home(self, data: dict, **_) -> None:
        lat, lon = data.get("home_latitude"), data.get("home_longitude")
        if (lat is None) != (lon is None):
            message = _l("Give both home coordinates, or neither.")
            raise refuse("coordinates_pair", message, "home_longitude")

    @validates_schema
    def _no_overlap(self, data: dict, **_) -> None:
        """A caregiver works one period at a time: two periods of one day may not overlap."""
        ordered = sorted(data.get("working_hours", []), key=lambda p: (p["weekday"], p["start"]))
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before["weekday"] == after["weekday"] and after["start"] < before["end"]:
                message = _l(
                    "Periods overlap on weekday %(day)s: %(first)s and %(second)s.",
                    day=after["weekday"],
                    first=f"{before['start']:%H:%M}-{before['end']:%H:%M}",
                    second=f"{after['start']:%H:%M}-{after['end']:%H:%M}",
                )
                raise refuse("hours_overlap", message, "working_hours")


class CertificateOut(CertificateIn):
    id = fields.Integer()
    expired = fields.Boolean()  # Certificate.expired: on the district's today


class WorkingHoursOut(WorkingHoursIn):
    pass


class CaregiverOut(Schema):
    id = fields.Integer()
    provider_id = fields.Integer()
    provider_name = fields.String(attribute="provider.name")
    station_id = fields.Integer()
    name = fields.String()
    sex = fields.String()
    phone = fields.String(attribute="phone_masked", allow_none=True)
    home_latitude = fields.Float(allow_none=True)
    home_longitude = fields.Float(allow_none=True)
    travel_mode = fields.String()
    max_minutes_per_day = fields.Integer()
    status = fields.String()
    skills = fields.List(fields.String())
    certificates = fields.List(fields.Nested(CertificateOut))
    working_hours = fields.List(fields.Nested(WorkingHoursOut))
    version = version_out()


class VolunteerIn(Schema):
    station_id = ident(required=True)
    resident_id = ident(allow_none=True)
    name = text(40, required=True)
    id_number = IdNumberText(required=True)
    phone = Phone(allow_none=True)
    joined_on = Day(required=True, validate=_not_future)
    status = choice(m.STAFF_STATUSES, load_default="active")
    skills_note = text(200, load_default="")

    @validates("id_number")
    def _id_number(self, value: str, **_) -> None:
        _check_id(value)

    @validates_schema
    def _adult(self, data: dict, **_) -> None:
        """Volunteers are adults, and joined as adults."""
        try:
            born = parse_id_number(data.get("id_number", "")).birth_date
        except InvalidIdentifier:
            return  # reported on the field itself
        if age_on(born, local_today()) < MIN_VOLUNTEER_AGE:
            message = _l("A volunteer must be aged %(age)s or over.", age=MIN_VOLUNTEER_AGE)
            raise refuse("volunteer_too_young", message, "id_number")
        joined = data.get("joined_on")
        if joined and joined < birthday(born, MIN_VOLUNTEER_AGE):
            message = _l("Before the volunteer turned %(age)s.", age=MIN_VOLUNTEER_AGE)
            raise refuse("joined_too_young", message, "joined_on")


class VolunteerOut(Schema):
    id = fields.Integer()
    station_id = fields.Integer()
    resident_id = fields.Integer(allow_none=True)
    name = fields.String()
    sex = fields.String()
    birth_date = fields.Date()
    id_number = fields.String(attribute="id_number_masked")
    phone = fields.String(attribute="phone_masked", allow_none=True)
    joined_on = fields.Date()
    status = fields.String()
    skills_note = fields.String()
    version = version_out()


class AuditEventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    username = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    changes = fields.Dict()
