"""The coordinator's pages over the same services as the API: family ties, reversals, pool."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from carehub.extensions import db
from carehub.timebank.models import Account, Kin, Transaction
from tests.timebank.helpers import add_resident, resident
from tests.timebank.test_api_pages import setup  # noqa: F401  (the shared fixture)


def test_a_coordinator_records_a_family_tie_on_the_page(setup, app, world, client, login):  # noqa: F811
    with app.app_context():
        spouse = add_resident(world.user("coord_a"), world.station_a, born=date(1950, 5, 5))
    login("coord_a")
    client.post("/time-bank/kin", data={"volunteer_id": str(setup["volunteer_id"]),
                                        "resident_id": str(spouse), "relation": "spouse",
                                        "evidence": "结婚证"})  # fmt: skip
    page = client.get(f"/time-bank/kin?volunteer_id={setup['volunteer_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "结婚证" in text and "配偶" in text
    with app.app_context():
        assert db.session.scalar(select(Kin).where(Kin.resident_id == spouse)).relation == "spouse"


def test_a_bad_tie_is_refused_on_the_page_and_nothing_is_written(setup, app, client, login):  # noqa: F811
    login("coord_a")
    page = client.post("/time-bank/kin", follow_redirects=True,
                       data={"volunteer_id": str(setup["volunteer_id"]),
                             "resident_id": str(setup["mother"]), "relation": "cousin",
                             "evidence": "x"})  # fmt: skip
    assert page.status_code == 200 and 'class="flash error"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Kin).where(Kin.relation == "cousin")) is None


def test_an_auditor_sees_the_ties_but_gets_no_form(setup, client, login):  # noqa: F811
    login("auditor")
    text = client.get(f"/time-bank/kin?volunteer_id={setup['volunteer_id']}").get_data(as_text=True)
    assert "户口本" in text and 'name="evidence"' not in text


def test_a_coordinator_reverses_a_transaction_with_a_reason(setup, app, client, login):  # noqa: F811
    with app.app_context():
        credit = db.session.scalar(select(Transaction).where(Transaction.kind == "credit"))
        tx_id = credit.id
    login("coord_a")
    statement = client.get(f"/time-bank/accounts/{setup['account_id']}/statement")
    assert f"/time-bank/transactions/{tx_id}/reverse" in statement.get_data(as_text=True)
    page = client.get(f"/time-bank/transactions/{tx_id}/reverse").get_data(as_text=True)
    assert "2小时00分" in page and "−2小时00分" in page, page[-1500:]
    client.post(f"/time-bank/transactions/{tx_id}/reverse", data={"reason": "重复登记",
                                                                 "key": "rev-1"})  # fmt: skip
    client.post(f"/time-bank/transactions/{tx_id}/reverse", data={"reason": "重复登记",
                                                                 "key": "rev-1"})  # fmt: skip
    with app.app_context():
        reversals = db.session.scalars(select(Transaction).where(Transaction.reverses_id == tx_id))
        assert [t.memo for t in reversals] == ["重复登记"]
        assert db.session.get(Account, setup["account_id"]).balance_minutes == 0


def test_another_stations_transaction_is_not_found(setup, app, client, login):  # noqa: F811
    with app.app_context():
        tx_id = db.session.scalar(select(Transaction.id).where(Transaction.kind == "credit"))
    login("coord_b")
    assert client.get(f"/time-bank/transactions/{tx_id}/reverse").status_code == 404


def test_the_pool_page_lists_by_priority_and_grants(setup, app, world, client, login, api):  # noqa: F811
    api("coord_a").post("/api/v1/time-donations", json={"account_id": setup["account_id"],
                                                        "minutes": 60})  # fmt: skip
    with app.app_context():
        coord = world.user("coord_a")
        older = add_resident(coord, world.station_a, born=date(1930, 1, 1))
        name = resident(older).name
    login("coord_a")
    text = client.get(f"/time-bank/pool?station_id={world.station_a}").get_data(as_text=True)
    assert "1小时" in text and name in text
    client.post("/time-bank/pool", data={"station_id": str(world.station_a), "key": "pool-1",
                                         f"minutes_{older}": "45",
                                         f"minutes_{setup['mother']}": "45"})  # fmt: skip
    with app.app_context():
        pool = db.session.scalar(select(Account).where(Account.kind == "pool"))
        assert pool.balance_minutes == 15
        grants = db.session.scalars(select(Transaction).where(Transaction.memo == "pool")).all()
        assert len(grants) == 1


def test_the_liability_exports_with_chinese_headers_and_a_totals_row(setup, client, login):  # noqa: F811
    import io

    from openpyxl import load_workbook

    login("auditor")
    csv_text = client.get("/time-bank/liability/export.csv").data.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("服务站,年龄段") and lines[-1].startswith("合计")
    assert lines[-1].split(",")[2] == "120"  # the volunteer's 2 h, and nothing else owed
    book = load_workbook(io.BytesIO(client.get("/time-bank/liability/export.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "服务站" and rows[-1][0] == "合计" and rows[-1][2] == 120


def test_the_liability_page_draws_each_stations_trend(setup, client, login, api):  # noqa: F811
    trends = api("auditor").get("/api/v1/time-liability").json["station_trends"]
    assert [t["minutes"][-1] for t in trends] == [120]
    login("auditor")
    assert client.get("/time-bank/liability").get_data(as_text=True).count("<svg") == 3


def test_the_hour_value_comes_from_the_policy_version(setup, app, world, api):  # noqa: F811
    from tests.policy.helpers import publish, version_payload

    before = api("auditor").get("/api/v1/time-liability").json
    assert (before["hour_value_fen"], before["value_fen"]) == (3000, 6000)
    with app.app_context():
        rules = version_payload()["rules"]
        publish(world.user("admin"), rules={**rules, "timebank": {"hour_value_fen": 4500}},
                valid_from="2025-01-01")  # fmt: skip
    after = api("auditor").get("/api/v1/time-liability").json
    assert (after["hour_value_fen"], after["value_fen"]) == (4500, 9000)


def test_the_fund_is_data_and_the_cover_follows_it_by_date(setup, app, client, login, api):  # noqa: F811
    from carehub.audit.models import AuditEvent
    from carehub.registry.models import District
    from carehub.timebank.models import FundMovement

    with app.app_context():
        district = db.session.scalar(select(District.id))
    login("admin")
    for on, fen, why in (("2025-06-01", "1200000", "区财政拨付"), ("2025-12-01", "-600000", "冲减"),
                         ("2026-02-01", "900000", "下季度拨付")):  # fmt: skip
        client.post("/time-bank/fund", data={"district_id": str(district), "effective_on": on,
                                             "amount_fen": fen, "reason": why})  # fmt: skip
    page = client.post("/time-bank/fund", follow_redirects=True,
                       data={"district_id": str(district), "effective_on": "2026-01-01",
                             "amount_fen": "0", "reason": "x"})  # fmt: skip
    assert 'class="flash error"' in page.get_data(as_text=True)
    report = api("auditor").get("/api/v1/time-liability").json  # today is 2026-01-05
    assert (report["fund_fen"], report["cover"]) == (600000, "100.00")
    with app.app_context():
        assert db.session.query(FundMovement).count() == 3
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "timebank_fund_movement")).all()  # fmt: skip
        assert len(events) == 3


def test_only_an_admin_moves_the_fund(setup, app, client, login):  # noqa: F811
    login("auditor")
    assert 'name="amount_fen"' not in client.get("/time-bank/fund").get_data(as_text=True)
    client.post("/time-bank/fund", data={"district_id": "1", "effective_on": "2026-01-01",
                                         "amount_fen": "100", "reason": "x"})  # fmt: skip
    login("coord_a")
    assert client.get("/time-bank/fund").status_code == 403
    with app.app_context():
        from carehub.timebank.models import FundMovement

        assert db.session.query(FundMovement).count() == 0


def test_a_fund_movement_cannot_be_changed_in_the_database(setup, app, world):  # noqa: F811
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from carehub.timebank import fund

    with app.app_context():
        district = db.session.scalar(text("SELECT id FROM districts LIMIT 1"))
        row = fund.record_movement(world.user("admin"), {"district_id": district,
                                   "effective_on": "2026-01-01", "amount_fen": 100, "reason": "x"})  # fmt: skip
        with pytest.raises(DatabaseError):
            db.session.execute(
                text(f"UPDATE timebank_fund_movements SET amount_fen = 5 WHERE id = {row.id}")
            )
        db.session.rollback()
