"""Many clients posting at once on shared accounts (PostgreSQL): the chain never forks, no balance
goes below zero, and every accepted request is in the ledger exactly once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.timebank import activities, redemption, services
from carehub.timebank.models import Account, Transaction
from carehub.timebank.verify import verify
from tests.timebank.helpers import account_of, add_resident, add_volunteer

pytestmark = pytest.mark.postgres
THREADS, EACH = 16, 50


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is exercised against PostgreSQL (CI's second pass)")


@pytest.fixture
def district(app, world, on_postgres):
    """Four 67-year-old volunteers (also residents) with 5 hours each and one shared mother."""
    with app.app_context():
        coord = world.user("coord_a")
        mother = add_resident(coord, world.station_a, born=date(1940, 1, 1))
        people = []
        for _ in range(4):
            resident_id = add_resident(coord, world.station_a, born=date(1958, 4, 1))
            volunteer_id, _ = add_volunteer(world.station_a, born=date(1958, 4, 1),
                                            resident_id=resident_id)  # fmt: skip
            services.record_kin(coord, {"volunteer_id": volunteer_id, "resident_id": mother,
                                        "relation": "parent", "evidence": "户口本"})  # fmt: skip
            _credit(coord, volunteer_id, 300)
            people.append((volunteer_id, resident_id, account_of(volunteer_id).id))
        db.session.commit()
        return people, mother


def _credit(coord, volunteer_id: int, minutes: int) -> int:
    logged = activities.log_activity(coord, {"volunteer_id": volunteer_id, "minutes": minutes,
                                             "activity_date": "2026-01-04", "description": "巡访"})  # fmt: skip
    activities.decide(coord, {"activity_ids": [logged.id]})
    return logged.id


def _operation(coord, i: int, person, mother: int):
    volunteer_id, resident_id, account_id = person
    key = f"op-{i}"
    if i % 3 == 0:
        return ("credit", _credit(coord, volunteer_id, 20))  # stays under the monthly cap
    if i % 3 == 1:
        body = {"account_id": account_id, "resident_id": resident_id, "service_code": "CLEAN",
                "visit_date": "2026-01-09", "windows": [{"start": "09:00", "end": "11:00"}],
                "duration_minutes": 30}  # fmt: skip
        return ("key", redemption.redeem(coord, body, key)["hold_transaction_id"], key)
    body = {"account_id": account_id, "resident_id": mother, "minutes": 20}
    return ("key", services.gift(coord, body, key).id, key)


def test_sixteen_clients_posting_at_once_keep_the_ledger_whole(app, world, district):
    people, mother = district
    barrier = threading.Barrier(THREADS)
    accepted, refused, crashed = [], [], []

    def client(t: int):
        with app.app_context():
            coord = world.user("coord_a")
            db.session.commit()  # hand the connection back before the barrier
            barrier.wait(timeout=60)
            for n in range(EACH):
                i = t * EACH + n
                try:
                    accepted.append(_operation(coord, i, people[i % 4], mother))
                except CareHubError as error:
                    refused.append(error.code)
                    db.session.rollback()
                except Exception as error:  # noqa: BLE001 - the test reports any crash
                    crashed.append(repr(error))
                    db.session.rollback()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not crashed, crashed[:3]
    assert len(accepted) + len(refused) == THREADS * EACH
    assert set(refused) <= {"insufficient_minutes"}
    with app.app_context():
        report = verify()
        assert report.ok, report
        assert db.session.scalar(select(func.min(Account.balance_minutes))
                                 .where(Account.kind != "issuer")) >= 0  # fmt: skip
        keys = [a[2] for a in accepted if a[0] == "key"]
        rows = db.session.execute(select(Transaction.idempotency_key, func.count())
                                  .where(Transaction.idempotency_key.in_(keys))
                                  .group_by(Transaction.idempotency_key)).all()  # fmt: skip
        assert sorted(k for k, _ in rows) == sorted(keys) and all(c == 1 for _, c in rows)
        credited = [a[1] for a in accepted if a[0] == "credit"]
        ids = db.session.scalars(select(Transaction.activity_id)
                                 .where(Transaction.activity_id.in_(credited))).all()  # fmt: skip
        assert sorted(ids) == sorted(credited)
