"""The API and the pages: scoping, Idempotency-Key replay over HTTP, every page renders."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.extensions import db
from carehub.timebank.models import Transaction
from tests.factories import ApiClient
from tests.timebank.helpers import (
    account_of,
    add_resident,
    add_volunteer,
    seat,
    verify_visit,
    visit_for,
)


@pytest.fixture
def setup(app, world, client):
    """A volunteer with a login, 2 h earned, and a recorded mother aged 80."""
    with app.app_context():
        coord = world.user("coord_a")
        volunteer_id, token = add_volunteer(world.station_a, born=date(1980, 1, 1), username="vol")
        visit = visit_for(coord, add_resident(coord, world.station_a), 120)
        seat(visit, volunteer_id)
        verify_visit(coord, visit)
        mother = add_resident(coord, world.station_a, born=date(1945, 3, 8))
        from carehub.timebank import services

        services.record_kin(coord, {"volunteer_id": volunteer_id, "resident_id": mother,
                                    "relation": "parent", "evidence": "户口本"})  # fmt: skip
        account_id = account_of(volunteer_id).id
    return {"vol": ApiClient(client, token), "account_id": account_id, "mother": mother,
            "volunteer_id": volunteer_id}  # fmt: skip


def test_a_volunteer_sees_only_their_own_account(setup, api):
    mine = setup["vol"].get("/api/v1/time-accounts").json
    assert [a["id"] for a in mine["items"]] == [setup["account_id"]]
    assert mine["items"][0]["balance_minutes"] == 120
    assert api("coord_b").get(f"/api/v1/time-accounts/{setup['account_id']}").status_code == 404
    assert api("coord_a").get(f"/api/v1/time-accounts/{setup['account_id']}").status_code == 200
    assert api("carer").get("/api/v1/time-accounts").status_code == 403


def _post(client: ApiClient, url: str, body: dict, key: str):
    headers = {**client.headers, "Idempotency-Key": key}
    return client.client.post(url, json=body, headers=headers)


def test_a_gift_over_http_is_idempotent(setup, app):
    body = {"account_id": setup["account_id"], "resident_id": setup["mother"], "minutes": 30}
    first = _post(setup["vol"], "/api/v1/time-gifts", body, "gift-1")
    again = _post(setup["vol"], "/api/v1/time-gifts", body, "gift-1")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    with app.app_context():
        assert db.session.query(Transaction).filter_by(kind="gift").count() == 1
    other = _post(setup["vol"], "/api/v1/time-gifts", {**body, "minutes": 31}, "gift-1")
    assert other.status_code == 422 and other.json["error"] == "idempotency_key_reused"
    bad = _post(setup["vol"], "/api/v1/time-gifts", body, "x" * 81)
    assert bad.status_code == 422


def test_an_overdraft_is_a_409_naming_minutes(setup):
    body = {"account_id": setup["account_id"], "resident_id": setup["mother"], "minutes": 500}
    response = setup["vol"].post("/api/v1/time-gifts", json=body)
    assert response.status_code == 409 and "minutes" in response.json["errors"]


def test_statement_and_liability_over_http(setup, api):
    statement = api("coord_a").get(f"/api/v1/time-accounts/{setup['account_id']}/statement").json
    assert statement["closing_minutes"] == 120 and len(statement["last_hash"]) == 64
    report = api("auditor").get("/api/v1/time-liability").json
    assert report["outstanding_minutes"] == 120
    assert report["value_fen"] == 6000  # 2 h at 30 yuan
    assert report["cover"] == "833.33"  # 50,000 yuan fund ÷ 60 yuan
    assert api("coord_a").get("/api/v1/time-liability").status_code == 403


def test_the_volunteer_page_logs_an_activity_and_gives_hours(setup, client, login):
    login("vol")
    page = client.get("/time-bank/me")
    assert page.status_code == 200 and "2小时00分" in page.get_data(as_text=True)
    client.post("/time-bank/me/activity", data={"activity_date": "2026-01-04", "minutes": "45",
                                                 "description": "社区活动"})  # fmt: skip
    client.post("/time-bank/me/gift", data={"resident_id": str(setup["mother"]), "minutes": "20",
                                            "key": "page-gift"})  # fmt: skip
    client.post("/time-bank/me/gift", data={"resident_id": str(setup["mother"]), "minutes": "20",
                                            "key": "page-gift"})  # fmt: skip
    text = client.get("/time-bank/me").get_data(as_text=True)
    assert "社区活动" in text and "1小时40分" in text


def test_coordinator_pages_verify_in_bulk_and_print_a_statement(setup, client, login, api):
    for minutes in (30, 40):
        setup["vol"].post("/api/v1/time-activities", json={"activity_date": "2026-01-04",
                                                           "minutes": minutes, "description": "x"})  # fmt: skip
    ids = [a["id"] for a in api("coord_a").get("/api/v1/time-activities").json]
    login("coord_a")
    assert client.get("/time-bank/pending").status_code == 200
    client.post("/time-bank/pending", data={"activity_ids": [str(i) for i in ids],
                                             "decision": "verify"})  # fmt: skip
    text = client.get(f"/time-bank/accounts/{setup['account_id']}/statement").get_data(as_text=True)
    assert "3小时10分" in text
    assert client.get("/time-bank/accounts").status_code == 200


def test_the_bureau_page_draws_its_charts(setup, client, login):
    login("auditor")
    page = client.get("/time-bank/liability")
    assert (
        page.status_code == 200 and page.get_data(as_text=True).count("<svg") == 3
    )  # district, its one station, projection


def test_a_volunteer_aged_60_books_their_own_visit_in_hours(app, world, client, api):
    with app.app_context():
        coord = world.user("coord_a")
        resident_id = add_resident(coord, world.station_a, born=date(1958, 4, 1))
        volunteer_id, token = add_volunteer(world.station_a, born=date(1958, 4, 1),
                                            resident_id=resident_id, username="elder")  # fmt: skip
        visit = visit_for(coord, add_resident(coord, world.station_a), 90)
        seat(visit, volunteer_id)
        verify_visit(coord, visit)
        account_id = account_of(volunteer_id).id
    body = {"account_id": account_id, "resident_id": resident_id, "service_code": "CLEAN",
            "visit_date": "2026-01-09", "windows": [{"start": "09:00", "end": "11:00"}],
            "duration_minutes": 60}  # fmt: skip
    booked = _post(ApiClient(client, token), "/api/v1/time-redemptions", body, "book-1")
    assert booked.status_code == 201, booked.json
    assert booked.json["minutes"] == 60
    holds = ApiClient(client, token).get("/api/v1/time-holds").json
    assert [h["visit_id"] for h in holds] == [booked.json["visit_id"]]
    visit = api("coord_a").get(f"/api/v1/visits/{booked.json['visit_id']}").json
    assert visit["funding"] == "time_credit" and visit["state"] == "planned"
    mine = ApiClient(client, token).get(f"/api/v1/time-accounts/{account_id}").json
    assert (mine["balance_minutes"], mine["held_minutes"]) == (30, 60)
