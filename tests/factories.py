"""Builders of test data, going through the same services as the application."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
