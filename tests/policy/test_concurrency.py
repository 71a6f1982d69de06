"""Many verifications of one resident's visits at once never overspend the month's allowance."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from carehub.extensions import db
from carehub.policy.models import AllowanceMonth, VisitFunding
from carehub.registry.models import Resident
from carehub.visits.models import Visit
from carehub.visits.states import transition
from tests.careplans.helpers import add_resident
from tests.factories import ApiClient
from tests.policy.helpers import add_visit, publish

pytestmark = pytest.mark.postgres
THREADS = 8


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is exercised against PostgreSQL (CI's second pass)")


def test_parallel_verifications_never_overspend(app, world, client, on_postgres):
    with app.app_context():
        publish(world.user("admin"), allowance="40.00")  # 2 visits and 10 yuan of a third
        resident_id = add_resident(ApiClient(client, world.tokens["admin"]), world.station_a)
        resident = db.session.get(Resident, resident_id)
        ids = []
        for day in range(1, THREADS + 1):
            visit = add_visit(resident, day=date(2026, 3, day))
            for state in ("scheduled", "in_progress", "completed"):
                transition(None, visit, state)
            db.session.commit()
            ids.append(visit.id)
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def verify(visit_id: int) -> None:
        with app.app_context():
            try:
                visit = db.session.get(Visit, visit_id)
                barrier.wait()
                transition(None, visit, "verified")
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 (reported below)
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=verify, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with app.app_context():
        month = db.session.get(AllowanceMonth, (resident_id, date(2026, 3, 1)))
        spent = db.session.scalar(select(func.sum(VisitFunding.allowance_fen)))
        low_cost = db.session.scalar(select(func.sum(VisitFunding.low_cost_fen)))
        assert month.spent_fen == spent == 4000 == month.allowance_fen
        assert month.low_cost_spent_fen == low_cost
        assert db.session.scalar(select(func.count(VisitFunding.id))) == THREADS
