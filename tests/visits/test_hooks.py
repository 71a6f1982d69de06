"""The contracts later domains build on: transition listeners and who is on a visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from carehub.extensions import db
from carehub.visits import hooks
from carehub.visits.models import Visit, VisitCarer
from carehub.visits.states import transition
from tests.careplans.helpers import add_plan, add_resident, generate, item, visits


@pytest.fixture
def one_visit(app, api, world) -> int:
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每天"))
    generate(coord, days=1)
    return visits(coord)[0]["id"]


@pytest.fixture
def heard(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(hooks, "LISTENERS", type(hooks.LISTENERS)(list))

    @hooks.on_transition("verified")
    def on_verified(actor, visit, from_state, to_state):
        calls.append((visit.id, from_state, to_state, visit.state))

    @hooks.on_transition(hooks.ANY)
    def on_any(actor, visit, from_state, to_state):
        calls.append(("any", to_state))

    return calls


def test_listeners_hear_their_transitions_after_the_state_changed(app, one_visit, heard):
    with app.app_context():
        visit = db.session.get(Visit, one_visit)
        for step in ("scheduled", "in_progress", "completed", "verified"):
            transition(None, visit, step)
        db.session.commit()
    assert heard == [("any", "scheduled"), ("any", "in_progress"), ("any", "completed"),
                     (one_visit, "completed", "verified", "verified"), ("any", "verified")]  # fmt: skip


def test_a_lower_order_runs_first_whatever_the_import_order(app, one_visit, monkeypatch):
    monkeypatch.setattr(hooks, "LISTENERS", type(hooks.LISTENERS)(list))
    calls = []
    hooks.on_transition("scheduled")(lambda *_: calls.append("normal"))
    hooks.on_transition("scheduled", order=hooks.FIRST)(lambda *_: calls.append("first"))
    with app.app_context():
        transition(None, db.session.get(Visit, one_visit), "scheduled")
        db.session.rollback()
    assert calls == ["first", "normal"]


def test_a_listener_can_refuse_a_transition(app, one_visit, monkeypatch):
    monkeypatch.setattr(hooks, "LISTENERS", type(hooks.LISTENERS)(list))

    @hooks.on_transition("scheduled")
    def refuse(*_):
        raise RuntimeError("no")

    with app.app_context():
        visit = db.session.get(Visit, one_visit)
        with pytest.raises(RuntimeError):
            transition(None, visit, "scheduled")
        db.session.rollback()
        assert db.session.get(Visit, one_visit).state == "planned"


def test_a_seat_has_exactly_one_carer(app, one_visit, world):
    start = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    with app.app_context():
        db.session.add(VisitCarer(visit_id=one_visit, seat=1, planned_start=start,
                                  planned_end=start + timedelta(minutes=30)))  # fmt: skip
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
