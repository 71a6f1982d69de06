"""REST endpoints of the registry. Thin: each one calls a service and dumps the result."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.audit.services import history
from carehub.common.errors import Invalid
from carehub.registry import schemas as s
from carehub.registry.services import network, providers, residents, staff

blp = Blueprint("registry_api", __name__, description="Registry: stations, residents, staff")


def body_doc(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def query_doc(schema) -> dict:
    return {"parameters": [{"in": "query", "schema": schema}]}


IF_MATCH_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": 'The version you read (its ETag, e.g. "3"): the change is refused with '
            '409 "stale" if someone else saved the record since. A "version" field in the body '
            "does the same.",
        }
    ]
}


def versioned_body() -> dict:
    """The JSON body, with the version named by an ``If-Match`` header (the record's ETag)."""
    body = json_body()
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        version = header.removeprefix("W/").strip('"')
        if not version.isdigit():
            message = _l('Must be the ETag you read, e.g. "3".')
            raise Invalid(message, {"If-Match": [message]}, code="bad_version")
        body = {**body, "version": int(version)}
    return body


def tagged(record):
    """The record with its version as the ETag, for If-Match on the next change."""
    return record, 200, {"ETag": f'"{record.version}"'}


@blp.route("/stations")
class Stations(MethodView):
    @blp.response(200, s.StationOut(many=True))
    def get(self):
        """Stations the caller may see."""
        return network.list_stations(actor())

    @blp.doc(**body_doc(s.StationIn))
    @blp.response(201, s.StationOut)
    def post(self):
        """Open a station (admin)."""
        return network.create_station(actor(), json_body())


@blp.route("/stations/<int:station_id>")
class StationItem(MethodView):
    @blp.response(200, s.StationOut)
    def get(self, station_id: int):
        return network.get_station(actor(), station_id)


@blp.route("/service-types")
class ServiceTypes(MethodView):
    @blp.response(200, s.ServiceTypeOut(many=True))
    def get(self):
        """The service catalogue."""
        return network.list_service_types(actor())


@blp.route("/service-types/<code>")
class ServiceTypeItem(MethodView):
    @blp.doc(**body_doc(s.ServiceTypeIn))
    @blp.response(200, s.ServiceTypeOut)
    def patch(self, code: str):
        """Change a catalogue entry (admin)."""
        return network.update_service_type(actor(), code, json_body())


@blp.route("/districts")
class Districts(MethodView):
    @blp.response(200, s.DistrictOut(many=True))
    def get(self):
        """The care network: districts, streets and communities."""
        return network.list_districts(actor())


@blp.route("/residents")
class Residents(MethodView):
    @blp.doc(**query_doc(s.ResidentQuery))
    @blp.response(200, s.page_of(s.ResidentOut))
    def get(self):
        """Search and page residents (name, address or exact ID number in ``q``)."""
        return page_body(residents.list_residents(actor(), query_args()))

    @blp.doc(**body_doc(s.ResidentIn))
    @blp.response(201, s.ResidentOut)
    def post(self):
        """Register a resident; sex and birth date come from the ID number."""
        return residents.create_resident(actor(), json_body())


@blp.route("/residents/<int:resident_id>")
class ResidentItem(MethodView):
    @blp.response(200, s.ResidentOut)
    def get(self, resident_id: int):
        return tagged(residents.get_resident(actor(), resident_id))

    @blp.doc(**body_doc(s.ResidentIn), **IF_MATCH_DOC)
    @blp.response(200, s.ResidentOut)
    def patch(self, resident_id: int):
        """Change some fields; the result is validated as a whole record."""
        return tagged(residents.update_resident(actor(), resident_id, versioned_body()))


@blp.route("/residents/<int:resident_id>/assessments")
class Assessments(MethodView):
    @blp.response(200, s.AssessmentOut(many=True))
    def get(self, resident_id: int):
        """Ability assessments, newest first."""
        return residents.get_resident(actor(), resident_id).assessments

    @blp.doc(**body_doc(s.AssessmentIn))
    @blp.response(201, s.AssessmentOut)
    def post(self, resident_id: int):
        return residents.add_assessment(actor(), resident_id, json_body())


@blp.route("/residents/<int:resident_id>/history")
class ResidentHistory(MethodView):
    @blp.response(200, s.AuditEventOut(many=True))
    def get(self, resident_id: int):
        """Every recorded change to the resident, newest first."""
        residents.get_resident(actor(), resident_id)
        return history("resident", resident_id)


@blp.route("/providers")
class Providers(MethodView):
    @blp.doc(**query_doc(s.PageQuery))
    @blp.response(200, s.page_of(s.ProviderOut))
    def get(self):
        return page_body(providers.list_providers(actor(), query_args()))

    @blp.doc(**body_doc(s.ProviderIn))
    @blp.response(201, s.ProviderOut)
    def post(self):
        return providers.create_provider(actor(), json_body())


@blp.route("/providers/<int:provider_id>")
class ProviderItem(MethodView):
    @blp.response(200, s.ProviderOut)
    def get(self, provider_id: int):
        return tagged(providers.get_provider(actor(), provider_id))

    @blp.doc(**body_doc(s.ProviderIn), **IF_MATCH_DOC)
    @blp.response(200, s.ProviderOut)
    def patch(self, provider_id: int):
        return tagged(providers.update_provider(actor(), provider_id, versioned_body()))


@blp.route("/providers/<int:provider_id>/contracts")
class Contracts(MethodView):
    @blp.doc(**body_doc(s.ContractIn))
    @blp.response(201, s.ContractOut)
    def post(self, provider_id: int):
        """Add a contract: services, unit prices (yuan), validity and stations covered."""
        return providers.add_contract(actor(), provider_id, json_body())


@blp.route("/caregivers")
class Caregivers(MethodView):
    @blp.doc(**query_doc(s.PageQuery))
    @blp.response(200, s.page_of(s.CaregiverOut))
    def get(self):
        return page_body(staff.list_caregivers(actor(), query_args()))

    @blp.doc(**body_doc(s.CaregiverIn))
    @blp.response(201, s.CaregiverOut)
    def post(self):
        return staff.create_caregiver(actor(), json_body())


@blp.route("/caregivers/<int:caregiver_id>")
class CaregiverItem(MethodView):
    @blp.response(200, s.CaregiverOut)
    def get(self, caregiver_id: int):
        return tagged(staff.get_caregiver(actor(), caregiver_id))

    @blp.doc(**body_doc(s.CaregiverIn), **IF_MATCH_DOC)
    @blp.response(200, s.CaregiverOut)
    def patch(self, caregiver_id: int):
        return tagged(staff.update_caregiver(actor(), caregiver_id, versioned_body()))


@blp.route("/volunteers")
class Volunteers(MethodView):
    @blp.doc(**query_doc(s.PageQuery))
    @blp.response(200, s.page_of(s.VolunteerOut))
    def get(self):
        return page_body(staff.list_volunteers(actor(), query_args()))

    @blp.doc(**body_doc(s.VolunteerIn))
    @blp.response(201, s.VolunteerOut)
    def post(self):
        return staff.create_volunteer(actor(), json_body())


@blp.route("/volunteers/<int:volunteer_id>")
class VolunteerItem(MethodView):
    @blp.response(200, s.VolunteerOut)
    def get(self, volunteer_id: int):
        return tagged(staff.get_volunteer(actor(), volunteer_id))

    @blp.doc(**body_doc(s.VolunteerIn), **IF_MATCH_DOC)
    @blp.response(200, s.VolunteerOut)
    def patch(self, volunteer_id: int):
        return tagged(staff.update_volunteer(actor(), volunteer_id, versioned_body()))
