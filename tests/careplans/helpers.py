"""Builders shared by the care plan and visit tests (through the API, as a client would)."""

from __future__ import annotations

from tests.factories import resident_payload

TODAY = "2026-01-05"  # a Monday, six weeks before 春节 2026


def add_resident(client, station_id: int, seq: int = 1, level: int | None = None, **fields) -> int:
    resident = client.post("/api/v1/residents", json=resident_payload(station_id, seq, **fields))
    assert resident.status_code == 201, resident.json
    if level is not None:
        body = {"assessed_on": "2025-12-01", "level": level, "assessor": "张评估"}
        response = client.post(f"/api/v1/residents/{resident.json['id']}/assessments", json=body)
        assert response.status_code == 201, response.json
    return resident.json["id"]


def item(service: str, words: str | None = None, rrule: str | None = None, **fields) -> dict:
    body = {"service_code": service, "windows": [{"start": "09:00", "end": "11:00"}],
            "funding": "government"}  # fmt: skip
    if words:
        body["recurrence_words"] = words
    if rrule:
        body["rrule"] = rrule
    body.update(fields)
    return body


def add_plan(client, resident_id: int, *items: dict, **fields) -> dict:
    response = client.post(
        "/api/v1/care-plans", json={"resident_id": resident_id, "items": list(items), **fields}
    )
    assert response.status_code == 201, response.json
    return response.json


def visits(client, **filters) -> list[dict]:
    response = client.get("/api/v1/visits", query_string={"per_page": 500, **filters})
    assert response.status_code == 200, response.json
    return response.json["items"]


def generate(client, days: int = 14, **fields) -> dict:
    response = client.post("/api/v1/visits/generate", json={"days": days, **fields})
    assert response.status_code == 200, response.json
    return response.json
