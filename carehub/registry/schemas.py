"""Input and output schemas of the registry; services load input through them."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from carehub.common.clock import local_today
from carehub.common.normalise import NotNormal, normalise_id_number
from carehub.common.schema import Code, Phone, Text, Yuan, choice, text
from carehub.registry import models as m
from carehub.registry.idnumbers import InvalidIdentifier, age_on, parse_credit_code, parse_id_number

MIN_RESIDENT_AGE = 60


def _check_id(value: str) -> None:
    try:
        parse_id_number(value)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc)) from None


class IdNumberText(Text):
    """An ID number read as ASCII however it was typed; ``parse_id_number`` then judges it.

    No length limit here: the number's own check says how many characters were entered.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalise_id_number(super()._deserialize(value, attr, data, **kwargs))
        except NotNormal:
            raise ValidationError("must be 17 digits followed by a digit or X") from None


def version_out() -> fields.Integer:
    """The record's version; a change sent with it (If-Match) applies only to that version."""
    return fields.Integer(
        metadata={"description": "Send it back (If-Match or version) to change this version only"}
    )


def _check_coordinates(data: dict) -> None:
    lat, lon = data.get("latitude"), data.get("longitude")
    if (lat is None) != (lon is None):
        field = "longitude" if lon is None else "latitude"
        raise ValidationError("give both latitude and longitude, or neither", field)


class FamilyMemberIn(Schema):
    id = fields.Integer(strict=True, allow_none=True)  # a stored member to change in place
    name = text(40, required=True)
    relationship = text(20, required=True)
    phone = Phone(required=True)
    lives_away = fields.Boolean(load_default=False)
    emergency_contact = fields.Boolean(load_default=False)
    agreement_signed_on = fields.Date(allow_none=True)


class ResidentIn(Schema):
    station_id = fields.Integer(required=True, strict=True)
    name = text(40, required=True)
    id_number = IdNumberText(required=True)
    sex = choice(m.SEXES)
    birth_date = fields.Date()
    phone = Phone(allow_none=True)
    address = text(200, required=True)
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    household = choice(m.HOUSEHOLDS, load_default="with_family")
    categories = fields.List(choice(m.CATEGORIES), load_default=list)
    health_notes = text(2000, load_default="")
    caregiver_sex_preference = choice(m.SEXES, allow_none=True)
    status = choice(m.RESIDENT_STATUSES, load_default="active")
    status_since = fields.Date(allow_none=True)
    deceased_on = fields.Date(allow_none=True)
    consent_signed_on = fields.Date(allow_none=True)
    consent_note = text(200, load_default="")
    family_members = fields.List(fields.Nested(FamilyMemberIn), load_default=list)

    @validates("id_number")
    def _id_number(self, value: str, **_) -> None:
        _check_id(value)

    @validates("categories")
    def _categories(self, value: list[str], **_) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("a category is listed twice")

    @validates_schema
    def _consistent(self, data: dict, partial=None, **_) -> None:
        _check_coordinates(data)
        if data.get("id_number"):
            self._match_id_number(data)
        status, deceased_on = data.get("status"), data.get("deceased_on")
        if status == "deceased" and deceased_on is None and not partial:
            raise ValidationError("required when status is deceased", "deceased_on")
        if deceased_on is not None and status not in (None, "deceased"):
            raise ValidationError("only a deceased resident has a date of death", "deceased_on")

    @staticmethod
    def _match_id_number(data: dict) -> None:
        try:
            parsed = parse_id_number(data["id_number"])
        except InvalidIdentifier:
            return  # reported on the field itself
        if data.get("sex") and data["sex"] != parsed.sex:
            raise ValidationError("does not match the sex encoded in the ID number", "sex")
        if data.get("birth_date") and data["birth_date"] != parsed.birth_date:
            raise ValidationError("does not match the birth date in the ID number", "birth_date")
        if age_on(parsed.birth_date, local_today()) < MIN_RESIDENT_AGE:
            raise ValidationError(
                f"a resident must be aged {MIN_RESIDENT_AGE} or over", "id_number"
            )


class AssessmentIn(Schema):
    assessed_on = fields.Date(required=True)
    level = fields.Integer(required=True, strict=True, validate=validate.OneOf(m.ABILITY_LEVELS))
    self_care = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 32))
    mobility = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 28))
    mental = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 24))
    perception = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 16))
    assessor = text(40, required=True)
    notes = text(2000, load_default="")

    @validates("assessed_on")
    def _not_future(self, value: date, **_) -> None:
        if value > local_today():
            raise ValidationError("an assessment cannot be dated in the future")


class FamilyMemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    relationship = fields.String(attribute="relationship_")
    phone = fields.String(attribute="phone_masked")
    lives_away = fields.Boolean()
    emergency_contact = fields.Boolean()
    agreement_signed_on = fields.Date()


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
    station_id = fields.Integer()
    category = choice(m.CATEGORIES)
    ability_level = fields.Integer(validate=validate.OneOf(m.ABILITY_LEVELS))
    status = choice(m.RESIDENT_STATUSES)
    household = choice(m.HOUSEHOLDS)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, 200))


class PageQuery(Schema):
    q = text(60)
    station_id = fields.Integer()
    provider_id = fields.Integer()
    status = choice(m.STAFF_STATUSES)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, 200))


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
    street_id = fields.Integer(required=True, strict=True)
    community_id = fields.Integer(allow_none=True, strict=True)
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
    default_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(5, 480))
    carers = fields.Integer(required=True, strict=True, validate=validate.OneOf((1, 2)))
    skills = fields.List(choice(m.SKILLS), required=True)


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
    unit_minutes = fields.Integer(load_default=60, validate=validate.Range(1, 480))


class ContractIn(Schema):
    number = text(40, required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    station_ids = fields.List(fields.Integer(strict=True), required=True)
    prices = fields.List(
        fields.Nested(ContractPriceIn), required=True, validate=validate.Length(min=1)
    )

    @validates_schema
    def _dates(self, data: dict, **_) -> None:
        if (
            data.get("valid_to")
            and data.get("valid_from")
            and data["valid_to"] < data["valid_from"]
        ):
            raise ValidationError("must not be before valid_from", "valid_to")
        codes = [p["service_code"] for p in data.get("prices", [])]
        if len(set(codes)) != len(codes):
            raise ValidationError("a service is priced twice", "prices")


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
            raise ValidationError(str(exc)) from None


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
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(allow_none=True)

    @validates_schema
    def _dates(self, data: dict, **_) -> None:
        if (
            data.get("expires_on")
            and data.get("issued_on")
            and data["expires_on"] < data["issued_on"]
        ):
            raise ValidationError("must not be before issued_on", "expires_on")


class WorkingHoursIn(Schema):
    weekday = fields.Integer(required=True, strict=True, validate=validate.Range(0, 6))
    start = fields.Time(required=True)
    end = fields.Time(required=True)

    @validates_schema
    def _order(self, data: dict, **_) -> None:
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")


class CaregiverIn(Schema):
    provider_id = fields.Integer(required=True, strict=True)
    station_id = fields.Integer(required=True, strict=True)
    name = text(40, required=True)
    sex = choice(m.SEXES, required=True)
    phone = Phone(allow_none=True)
    home_latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    home_longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    travel_mode = choice(m.TRAVEL_MODES, load_default="ebike")
    max_minutes_per_day = fields.Integer(load_default=480, validate=validate.Range(60, 720))
    status = choice(m.STAFF_STATUSES, load_default="active")
    skills = fields.List(choice(m.SKILLS), load_default=list)
    certificates = fields.List(fields.Nested(CertificateIn), load_default=list)
    working_hours = fields.List(fields.Nested(WorkingHoursIn), load_default=list)

    @validates_schema
    def _home(self, data: dict, **_) -> None:
        lat, lon = data.get("home_latitude"), data.get("home_longitude")
        if (lat is None) != (lon is None):
            raise ValidationError("give both home coordinates, or neither", "home_longitude")


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
    station_id = fields.Integer(required=True, strict=True)
    resident_id = fields.Integer(allow_none=True, strict=True)
    name = text(40, required=True)
    id_number = IdNumberText(required=True)
    phone = Phone(allow_none=True)
    joined_on = fields.Date(required=True)
    status = choice(m.STAFF_STATUSES, load_default="active")
    skills_note = text(200, load_default="")

    @validates("id_number")
    def _id_number(self, value: str, **_) -> None:
        _check_id(value)


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
    entity_id = fields.Integer()
    changes = fields.Dict()
