"""REST endpoints of scheduling. Each is one service call."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.jobs.schemas import JobOut
from carehub.registry.api import body_doc, query_doc
from carehub.scheduling import absences, services
from carehub.scheduling import schemas as s

blp = Blueprint("scheduling_api", __name__, description="Scheduling (排班): runs, plans, publish")


@blp.route("/schedule-runs")
class Runs(MethodView):
    @blp.doc(**body_doc(s.RunIn))
    @blp.response(202, JobOut)
    def post(self):
        """Plan a station-day in the worker: a queued ``plan-day`` job (poll /jobs/{id}); its
        result names the draft plan."""
        return services.start_run(actor(), json_body())


@blp.route("/schedule-plans")
class Plans(MethodView):
    @blp.doc(**query_doc(s.SchedulePlanQuery))
    @blp.response(200, s.SchedulePlanPage)
    def get(self):
        """Plans of the caller's stations, newest day and number first."""
        return page_body(services.list_plans(actor(), query_args()))


@blp.route("/schedule-plans/<int:plan_id>")
class PlanItem(MethodView):
    @blp.response(200, s.SchedulePlanOut)
    def get(self, plan_id: int):
        """A plan with its assignments, unassigned visits (and why) and KPIs."""
        return services.get_plan(actor(), plan_id)


@blp.route("/schedule-plans/<int:plan_id>/publish")
class Publish(MethodView):
    @blp.doc(**body_doc(s.PublishIn))
    @blp.response(200, s.PublishOut)
    def post(self, plan_id: int):
        """Publish a draft: the visits it assigns are scheduled, carers are notified."""
        return services.publish(actor(), plan_id, json_body())


@blp.route("/schedule-plans/<int:plan_id>/compare")
class Compare(MethodView):
    @blp.doc(**query_doc(s.CompareQuery))
    @blp.response(200, s.PlanDiffOut)
    def get(self, plan_id: int):
        """What moved from plan ``other`` to this one (same station and day)."""
        return services.compare(actor(), plan_id, query_args())


@blp.route("/schedule-plans/<int:plan_id>/replan")
class Replan(MethodView):
    @blp.doc(**body_doc(s.ReplanIn))
    @blp.response(202, JobOut)
    def post(self, plan_id: int):
        """Re-plan the published plan after absences or lateness (cancelled and urgent visits
        are read from the visits): a queued ``replan-day`` job whose result names the draft."""
        return services.start_replan(actor(), plan_id, json_body())


@blp.route("/schedule-plans/<int:plan_id>/recommend")
class Recommend(MethodView):
    @blp.doc(**query_doc(s.RecommendQuery))
    @blp.response(200, s.RecommendOut)
    def get(self, plan_id: int):
        """Ranked carers who could take a visit this plan leaves out (added travel, knock-on)."""
        return services.recommend(actor(), plan_id, query_args())


@blp.route("/schedule-pins")
class Pins(MethodView):
    @blp.doc(**body_doc(s.PinIn))
    @blp.response(200, s.PinOut)
    def post(self):
        """Pin a visit to a carer and/or a start time; every later run keeps it."""
        return services.set_pin(actor(), json_body())


@blp.route("/schedule-pins/<int:visit_id>")
class PinItem(MethodView):
    @blp.response(204)
    def delete(self, visit_id: int):
        services.delete_pin(actor(), visit_id)


@blp.route("/stations/<int:station_id>/scheduling")
class Setting(MethodView):
    @blp.response(200, s.SettingOut)
    def get(self, station_id: int):
        return services.setting(actor(), station_id)

    @blp.doc(**body_doc(s.SettingIn))
    @blp.response(200, s.SettingOut)
    def put(self, station_id: int):
        """Whether the nightly plan of tomorrow is published at once."""
        return services.set_setting(actor(), station_id, json_body())


@blp.route("/carer-absences")
class Absences(MethodView):
    @blp.doc(**query_doc(s.AbsenceQuery))
    @blp.response(200, s.AbsenceOut(many=True))
    def get(self):
        """A station-day's recorded absences and lateness, oldest first."""
        return absences.list_absences(actor(), query_args())

    @blp.doc(**body_doc(s.AbsenceIn))
    @blp.response(201, s.AbsenceOut)
    def post(self):
        """Record a carer absent (all day, from, or between times) or late, with a reason: that
        day's new plans leave them out for those hours and re-plans start from it."""
        return absences.record_absence(actor(), json_body())
