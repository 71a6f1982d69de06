"""Property-based run of the whole API from its OpenAPI document (schemathesis).

Every operation is called with each demo role's bearer token on generated valid and invalid input
(hypothesis), and with schemathesis's boundary cases (the coverage phase: values just outside each
documented range, missing and wrong-typed fields). No response may be a server error, and every
response must match the document (issue 15, #3).

Bounded for CI: a few examples per operation, role and mode and a sample of the boundary cases,
with a fixed seed, so the run is deterministic and takes seconds. ``CAREHUB_SCHEMATHESIS_FULL=1``
runs every boundary case for every role (a few thousand cases, minutes).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import id_number, resident_payload

FULL = os.environ.get("CAREHUB_SCHEMATHESIS_FULL") == "1"
SCALE = 10 if FULL else 1
POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# Generated examples per operation: (role, mode, examples on random ids, on existing records).
FUZZ = [
    ("admin", POSITIVE, 2, 2), ("admin", NEGATIVE, 2, 2),
    ("coord_a", POSITIVE, 2, 1), ("coord_a", NEGATIVE, 1, 0),
    ("manager", POSITIVE, 1, 0), ("auditor", POSITIVE, 1, 0), ("carer", POSITIVE, 1, 0),
]  # fmt: skip
# Boundary cases per operation (a deterministic spread of them), by role; all of them when FULL.
BOUNDARY = {"admin": 4, "coord_a": 1}
MODES = (POSITIVE, NEGATIVE)
CHECKS = [not_a_server_error, response_schema_conformance]


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def call(self, case, token: str) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        self.counts["cases"] += 1
        self.counts[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # collect every failure, then report them together
            for failure in group.exceptions:
                self.failures.append(
                    f"{case.operation.label}: {failure.title}: {failure.message[:500]}\n"
                    f"    {case.as_curl_command()[:500]}"
                )


def _fuzz(operation, token, mode, examples: int, tally: Tally, path: dict | None = None) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    def run(case):
        tally.call(case, token)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
        assert mode is NEGATIVE


def _boundaries(schema, operation, token: str, limit: int, tally: Tally) -> None:
    config = schema.config.generation_for(operation=operation)
    cases = list(schema.iter_coverage_cases(operation, generation_modes=list(MODES),
                                            generation_config=config))  # fmt: skip
    step = 1 if FULL else max(1, len(cases) // limit)
    for case in cases[::step][: None if FULL else limit]:
        tally.call(case, token)


def _records(app, world) -> dict:
    """One record of each kind, with the optional parts empty, so that reading and changing real
    records is exercised too (generated ids almost never exist)."""
    with app.app_context():
        from carehub.auth.models import User
        from carehub.extensions import db
        from carehub.registry.services import residents, staff

        admin = db.session.scalar(db.select(User).filter_by(username="admin"))
        family = [{"name": "李明", "relationship": "儿子", "phone": "13900001111"}]
        resident = residents.create_resident(
            admin, resident_payload(world.station_a, phone=None, family_members=family)
        )
        residents.add_assessment(
            admin, resident.id, {"assessed_on": "2025-01-02", "level": 2, "assessor": "张评估"}
        )
        caregiver = staff.create_caregiver(admin, {
            "provider_id": world.provider, "station_id": world.station_a, "name": "张护理",
            "sex": "F", "certificates": [{"kind": "养老护理员", "issued_on": "2020-01-01"}],
            "working_hours": [{"weekday": 0, "start": "08:00", "end": "12:00"}]})  # fmt: skip
        volunteer = staff.create_volunteer(admin, {
            "station_id": world.station_a, "name": "赵志愿", "joined_on": "2024-03-01",
            "id_number": id_number(77, born=date(1958, 2, 3))})  # fmt: skip
        db.session.commit()
        return {"station_id": world.station_a, "resident_id": resident.id,
                "provider_id": world.provider, "caregiver_id": caregiver.id,
                "volunteer_id": volunteer.id, "code": "MEAL", "kind": "residents"}  # fmt: skip


def _fresh_tokens(app) -> dict[str, str]:
    """A live token per role, issued anew (revoking tokens is one of the operations tried)."""
    from carehub.auth.models import User
    from carehub.auth.services import issue_token
    from carehub.extensions import db

    roles = {role for role, *_ in FUZZ} | set(BOUNDARY)
    with app.app_context():
        users = db.session.scalars(db.select(User).where(User.username.in_(roles))).all()
        tokens = {user.username: issue_token(user)[0] for user in users}
        db.session.commit()
    return tokens


@pytest.fixture
def catalogue(app):
    """The service catalogue outlives each test (it is not emptied): put it back as it was."""
    from carehub.extensions import db
    from carehub.registry.models import ServiceSkill, ServiceType

    types, skills = ServiceType.__table__, ServiceSkill.__table__
    with app.app_context():
        saved_types = db.session.execute(types.select()).mappings().all()
        saved_skills = db.session.execute(skills.select()).mappings().all()
    yield
    with app.app_context(), db.engine.begin() as conn:  # contracts still refer to the codes
        for row in saved_types:
            conn.execute(types.update().where(types.c.code == row["code"]).values(**row))
        conn.execute(skills.delete())
        conn.execute(skills.insert(), [dict(r) for r in saved_skills])


@pytest.mark.filterwarnings("ignore")
def test_no_server_error_and_every_response_as_documented(app, world, catalogue):
    known = _records(app, world)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    for operation in operations:
        tokens = _fresh_tokens(app)  # an operation may revoke tokens or change a password
        names = {p.name for p in operation.path_parameters}
        path = {k: v for k, v in known.items() if k in names}
        for role, mode, examples, on_known in FUZZ:
            _fuzz(operation, tokens[role], mode, examples * SCALE, tally)
            if path and on_known:
                _fuzz(operation, tokens[role], mode, on_known * SCALE, tally, path)
        for role, limit in BOUNDARY.items():
            _boundaries(schema, operation, tokens[role], limit, tally)
    print(f"\nschemathesis: {len(operations)} operations, {tally.counts['cases']} cases, "
          f"{len(tally.failures)} failures; {dict(tally.counts)}")  # fmt: skip
    assert len(operations) >= 30
    assert tally.counts["2xx"] >= len(operations), "too few calls succeed: are the tokens alive?"
    assert not tally.failures, "\n".join(tally.failures)
