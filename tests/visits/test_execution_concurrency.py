"""Racing phones on PostgreSQL: a double-tapped check-in is recorded once, and two carers checking
out of one bath at the same moment complete it exactly once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from carehub.extensions import db
from carehub.visits.execution_models import CheckEvent
from carehub.visits.models import VisitEvent
from tests.visits.execution_helpers import NOW, freeze, published_day
from tests.visits.test_execution import AT_HOME

pytestmark = pytest.mark.postgres


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is exercised against PostgreSQL")


def _at_once(app, sends) -> list[int]:
    barrier = threading.Barrier(len(sends))
    statuses: list[int] = [0] * len(sends)

    def run(i: int):
        client = app.test_client()
        barrier.wait()
        statuses[i] = sends[i](client).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _post(url, token):
    return lambda client: client.post(url, json=AT_HOME,
                                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def test_a_double_tapped_check_in_is_recorded_once(app, api, world, on_postgres, monkeypatch):
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world)
    url = f"/api/v1/visits/{day.visit_ids[0]}/check-in"
    statuses = _at_once(app, [_post(url, day.tokens["carer1"])] * 4)
    assert sorted(statuses) == [201, 409, 409, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckEvent.id))) == 1


def test_two_carers_leaving_at_once_complete_the_visit_once(app, api, world, on_postgres,
                                                            monkeypatch):  # fmt: skip
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world, service="BATH", carers=2)
    visit = day.visit_ids[0]
    for name in ("carer1", "carer2"):
        assert api_post(app, f"/api/v1/visits/{visit}/check-in", day.tokens[name]) == 201
    url = f"/api/v1/visits/{visit}/check-out"
    statuses = _at_once(app, [_post(url, day.tokens["carer1"]), _post(url, day.tokens["carer2"])])
    assert statuses == [201, 201]
    with app.app_context():
        completed = select(func.count(VisitEvent.id)).where(VisitEvent.visit_id == visit,
                                                             VisitEvent.to_state == "completed")  # fmt: skip
        assert db.session.scalar(completed) == 1


def api_post(app, url, token) -> int:
    return _post(url, token)(app.test_client()).status_code
