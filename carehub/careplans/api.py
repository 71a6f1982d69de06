"""REST endpoints of care plans, holidays and volunteers' offers. Each is one service call."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.careplans import calendar_admin, services, volunteers
from carehub.careplans import schemas as s
from carehub.careplans.recurrence_api import recurrence
from carehub.registry.api import body_doc, query_doc

blp = Blueprint("careplans_api", __name__, description="Care plans, holidays, volunteers' offers")


@blp.route("/care-plans")
class CarePlans(MethodView):
    @blp.doc(**query_doc(s.PlanQuery))
    @blp.response(200, s.PlanPage)
    def get(self):
        """Care plans of the caller's stations."""
        return page_body(services.list_plans(actor(), query_args()))

    @blp.doc(**body_doc(s.PlanIn))
    @blp.response(201, s.PlanOut)
    def post(self):
        """A resident's first plan (version 1)."""
        return services.create_plan(actor(), json_body())


@blp.route("/care-plans/<int:plan_id>")
class CarePlanItem(MethodView):
    @blp.response(200, s.PlanOut)
    def get(self, plan_id: int):
        return services.get_plan(actor(), plan_id)


@blp.route("/care-plans/<int:plan_id>/versions")
class CarePlanVersions(MethodView):
    @blp.doc(**body_doc(s.VersionIn))
    @blp.response(201, s.PlanOut)
    def post(self, plan_id: int):
        """Change the plan from a date; future planned visits follow at once."""
        return services.add_version(actor(), plan_id, json_body())[0]


@blp.route("/care-plans/recurrence")
class Recurrence(MethodView):
    @blp.doc(**query_doc(s.RecurrenceQuery))
    @blp.response(200, s.RecurrenceOut)
    def get(self):
        """Words to RRULE (``words``) or RRULE to words (``rrule``), for the editor."""
        return recurrence(actor(), query_args())


@blp.route("/holidays")
class Holidays(MethodView):
    @blp.doc(**query_doc(s.HolidayQuery))
    @blp.response(200, s.HolidayYearOut)
    def get(self):
        """A year's public holidays, 调休 workdays and overrides."""
        return calendar_admin.year_calendar(actor(), query_args())

    @blp.doc(**body_doc(s.HolidayIn))
    @blp.response(201, s.HolidayDayOut)
    def post(self):
        """Add an override (admin)."""
        row = calendar_admin.add_override(actor(), json_body())
        return {"day": row.day, "is_workday": row.is_workday, "holiday": not row.is_workday,
                "name": row.name, "source": "override"}  # fmt: skip


@blp.route("/holidays/<string:day>")
class HolidayItem(MethodView):
    @blp.response(204)
    def delete(self, day: str):
        """Remove an override (admin)."""
        calendar_admin.delete_override(actor(), _date(day))


def _date(text: str) -> date:
    from carehub.careplans.errors import invalid

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid("day", "bad_date", "not a date (YYYY-MM-DD)") from None


@blp.route("/volunteers/<int:volunteer_id>/offer")
class VolunteerOffer(MethodView):
    @blp.response(200, s.OfferOut)
    def get(self, volunteer_id: int):
        """Weekly availability and the services offered."""
        return volunteers.get_offer(actor(), volunteer_id)

    @blp.doc(**body_doc(s.OfferIn))
    @blp.response(200, s.OfferOut)
    def put(self, volunteer_id: int):
        return volunteers.set_offer(actor(), volunteer_id, json_body())
