"""Estimates in bulk: the same parts as the one-visit estimate, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, select

from carehub.extensions import db
from carehub.policy import funding
from carehub.policy.estimates import estimates
from carehub.registry.models import Resident
from carehub.visits.models import Visit
from tests.careplans.helpers import add_resident
from tests.factories import ApiClient, id_number
from tests.policy.helpers import add_visit, publish

PARTS = ("price_fen", "government_fen", "copay_fen", "paid_fen", "time_credit_minutes")


def _queries(thunk) -> int:
    seen = []
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        thunk()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def _visits(world, client, count: int, seq: int):
    api = ApiClient(client, world.tokens["admin"])
    poor = db.session.get(Resident, add_resident(api, world.station_a, seq=seq))
    young = db.session.get(Resident, add_resident(api, world.station_a, seq=seq + 1, categories=[],
                                                  id_number=id_number(seq + 1, date(1960, 3, 8))))  # fmt: skip
    visits = []
    for n in range(count):
        day = date(2026, 3, 2) + timedelta(days=n)
        visits.append(add_visit(poor, day=day, minutes=60 + 30 * (n % 3)))
        visits.append(add_visit(young, day=day, funding="low_cost"))
    return visits


def _loaded(visits):
    ids = [v.id for v in visits]
    return list(db.session.scalars(select(Visit).where(Visit.id.in_(ids))))


def test_bulk_estimates_equal_the_one_visit_estimate(world, client, ctx):
    publish(world.user("admin"))
    visits = _visits(world, client, 3, 2)
    bulk = estimates(visits)
    for visit in visits:
        one = funding.estimate(visit)
        assert tuple(getattr(bulk[visit.id], k) for k in PARTS) == tuple(one[k] for k in PARTS)
    assert {bulk[v.id].paid_fen for v in visits} != {0}  # the young resident pays: not all free


def test_the_query_count_does_not_grow_with_the_visits(world, client, ctx):
    publish(world.user("admin"))
    few, many = _visits(world, client, 1, 2), _visits(world, client, 8, 4)
    few, many = _loaded(few), _loaded(many)  # as the page has them: one query, not expired
    small = _queries(lambda: estimates(few))
    large = _queries(lambda: estimates(many))
    assert large <= small + 2, (small, large)
