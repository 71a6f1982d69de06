"""Builders of test data, going through the same services as the application."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from carehub.auth.models import User
from carehub.auth.services import create_user, issue_token
from carehub.extensions import db
from carehub.registry.idnumbers import compose_credit_code, compose_id_number
from carehub.registry.models import Community, District, Station, Street

PASSWORD = "password123"


def id_number(seq: int = 1, born: date = date(1945, 3, 8), sex: str = "F") -> str:
    return compose_id_number("320106", born, seq, sex)


def resident_payload(station_id: int, seq: int = 1, **overrides) -> dict:
    payload = {
        "station_id": station_id,
        "name": f"王秀英{seq}",
        "id_number": id_number(seq),
        "phone": "13812345678",
        "address": f"鼓楼区中山路{seq}号",
        "latitude": 32.06,
        "longitude": 118.78,
        "household": "alone",
        "categories": ["dibao"],
        "family_members": [
            {"name": "李明", "relationship": "儿子", "phone": "13900001111", "lives_away": True,
             "emergency_contact": True, "agreement_signed_on": "2024-05-01"}
        ],
    }  # fmt: skip
    payload.update(overrides)
    return payload


@dataclass
class World:
    station_a: int
    station_b: int
    street: int
    provider: int
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, username: str) -> User:
        """The account ``username`` (admin, auditor, coord_a, coord_b, manager, carer), loaded
        in the current session: call it inside ``ctx`` or ``with app.app_context():``."""
        found = db.session.scalar(select(User).where(User.username == username))
        if found is None:
            raise LookupError(f"no account {username!r} in the test world")
        return found


def build_world() -> World:
    district = District(code="320106", name="鼓楼区", city="南京市")
    street = Street(district=district, code="320106001", name="华侨路街道")
    community = Community(street=street, code="320106001001", name="五台山社区")
    a = Station(code="S-A", name="五台山站", street=street, community=community,
                latitude=32.05, longitude=118.77)  # fmt: skip
    b = Station(code="S-B", name="华侨路站", street=street, latitude=32.06, longitude=118.78)
    db.session.add_all([district, a, b])
    db.session.commit()
    from carehub.registry.models import Contract, ContractPrice, Provider

    provider = Provider(name="颐养服务中心", credit_code=compose_credit_code("91320106MA1XXXXX0"))
    provider.contracts.append(
        Contract(number="C-1", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31),
                 stations=[a], prices=[ContractPrice(service_code="MEAL", unit_price_fen=1500)])
    )  # fmt: skip
    db.session.add(provider)
    db.session.commit()
    accounts = {
        "admin": ("admin", []),
        "auditor": ("auditor", []),
        "coord_a": ("coordinator", ["S-A"]),
        "coord_b": ("coordinator", ["S-B"]),
        "manager": ("provider_manager", []),
        "carer": ("caregiver", ["S-A"]),
    }
    world = World(a.id, b.id, street.id, provider.id)
    for username, (role, stations) in accounts.items():
        links = {"provider_id": provider.id} if role == "provider_manager" else {}
        user = create_user(username, PASSWORD, role, stations, **links)
        world.tokens[username] = issue_token(user)[0]
    return world


class ApiClient:
    """A test client that adds a bearer token to every call."""

    def __init__(self, client, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self.headers, **kw)


def ledger_unlocked(conn):
    """The time-bank ledger refuses DELETE by trigger: lifted for a test cleanup when it has rows."""
    from contextlib import nullcontext

    from sqlalchemy import text

    from carehub.timebank.ddl import unlocked

    probe = "SELECT 1 FROM timebank_transactions UNION ALL SELECT 1 FROM timebank_fund_movements"
    if conn.execute(text(f"SELECT 1 FROM ({probe}) AS rows LIMIT 1")).first() is None:
        return nullcontext()
    return unlocked(conn)


@contextmanager
def kept_catalogue(app, names: set[str]) -> Iterator[None]:
    """Whatever happens inside, the tables ``names`` hold the same rows afterwards.

    Rows are put back in place (updated, re-inserted, extra ones deleted) rather than all deleted
    and inserted again, so that rows referring to them (contract prices) stay valid.
    """
    tables = [t for t in db.metadata.sorted_tables if t.name in names]
    with app.app_context(), db.engine.connect() as conn:
        saved = {t: [dict(row) for row in conn.execute(t.select()).mappings()] for t in tables}
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(tables):
                    _drop_extra_rows(conn, table, saved[table])
                for table in tables:
                    _put_back(conn, table, saved[table])


def _key(table, row: dict) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _drop_extra_rows(conn, table, rows: list[dict]) -> None:
    wanted = {_key(table, row) for row in rows}
    for row in conn.execute(table.select()).mappings():
        if _key(table, row) not in wanted:
            conn.execute(table.delete().where(*_matches(table, row)))


def _put_back(conn, table, rows: list[dict]) -> None:
    for row in rows:
        found = conn.execute(table.update().where(*_matches(table, row)).values(row))
        if found.rowcount == 0:
            conn.execute(table.insert().values(row))


def _matches(table, row) -> list:
    return [c == row[c.name] for c in table.primary_key.columns]
