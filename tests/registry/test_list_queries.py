"""A list costs the same number of SQL queries whatever its page size (issue 15, defect 10).

Each list request, API and page, is counted at two page sizes on a district with more records than
the larger page; a query per row (a lazy load while serialising or rendering) makes the count grow.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from carehub.extensions import db
from tests.factories import id_number, resident_payload

ROWS = 12
SMALL, LARGE = 3, 10


@contextmanager
def counting(app):
    """Count the statements sent to the database inside the block."""
    seen: list[str] = []

    def before(conn, cursor, statement, *_):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def district(app, world):
    """ROWS of each kind of record, each with the rows a list shows beside it."""
    from carehub.auth.models import User
    from carehub.registry.idnumbers import compose_credit_code
    from carehub.registry.models import Contract, ContractPrice, Provider, Station
    from carehub.registry.services import residents, staff

    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(username="admin"))
        station = db.session.get(Station, world.station_a)
        for n in range(ROWS):
            family = [{"name": f"亲属{k}", "relationship": "子女", "phone": "13900001111"}
                      for k in range(2)]  # fmt: skip
            status = ("active", "suspended", "hospitalised")[n % 3]
            r = residents.create_resident(admin, resident_payload(
                world.station_a, n + 1, family_members=family, status=status,
                categories=["dibao", "youfu"]))  # fmt: skip
            residents.add_assessment(
                admin, r.id, {"assessed_on": "2025-01-02", "level": n % 5, "assessor": "张"}
            )
            staff.create_caregiver(admin, {
                "provider_id": world.provider, "station_id": world.station_a, "name": f"护理{n}",
                "sex": "F", "skills": ["meal", "cleaning"],
                "certificates": [{"kind": "养老护理员", "issued_on": "2020-01-01"}],
                "working_hours": [{"weekday": 0, "start": "08:00", "end": "12:00"}]})  # fmt: skip
            staff.create_volunteer(admin, {
                "station_id": world.station_a, "name": f"志愿{n}", "joined_on": "2024-03-01",
                "id_number": id_number(200 + n, born=date(1958, 2, 3))})  # fmt: skip
            provider = Provider(
                name=f"服务商{n:02d}", credit_code=compose_credit_code(f"91320106MA1X{n:04d}0"[:17])
            )
            provider.contracts.append(Contract(
                number=f"K-{n}", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31),
                stations=[station], prices=[ContractPrice(service_code="MEAL", unit_price_fen=1500)]))  # fmt: skip
            db.session.add(provider)
            db.session.commit()
    return world


API_LISTS = ["/api/v1/residents", "/api/v1/caregivers", "/api/v1/volunteers", "/api/v1/providers"]
PAGES = ["/residents", "/caregivers", "/volunteers", "/providers"]


def _count(app, call, url: str, size: int) -> int:
    sep = "&" if "?" in url else "?"
    with counting(app) as seen:
        response = call(f"{url}{sep}per_page={size}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return len(seen)


@pytest.mark.parametrize("url", API_LISTS)
@pytest.mark.parametrize("role", ["admin", "coord_a"])
def test_an_api_list_costs_the_same_queries_at_any_page_size(app, district, api, url, role):
    client = api(role)
    small, large = (_count(app, client.get, url, n) for n in (SMALL, LARGE))
    print(f"{role} {url}: {small} queries at {SMALL} a page, {large} at {LARGE}")
    assert large == small, f"{url}: {small} queries for {SMALL} rows, {large} for {LARGE}"


@pytest.mark.parametrize("url", PAGES)
def test_a_list_page_costs_the_same_queries_at_any_page_size(app, district, login, url):
    client = login("coord_a")
    small, large = (_count(app, client.get, url, n) for n in (SMALL, LARGE))
    print(f"page {url}: {small} queries at {SMALL} a page, {large} at {LARGE}")
    assert large == small, f"{url}: {small} queries for {SMALL} rows, {large} for {LARGE}"


def test_the_status_chips_are_counted_in_one_query(app, district):
    from carehub.auth.models import User
    from carehub.registry.services.residents import count_by_status

    with app.app_context():
        coordinator = db.session.scalar(db.select(User).filter_by(username="coord_a"))
        coordinator.stations  # noqa: B018  (loaded before counting: the request has it already)
        with counting(app) as seen:
            counts = count_by_status(coordinator, {"category": "dibao", "status": "active"})
    assert len(seen) == 1, seen
    assert counts == {"active": 4, "suspended": 4, "hospitalised": 4, "deceased": 0}


def test_the_resident_page_shows_the_counts_per_status(app, district, login):
    page = login("coord_a").get("/residents?status=suspended").get_data(as_text=True)
    assert page.count("<b>4</b>") == 3 and "<b>0</b>" in page
