"""The monthly draft job: idempotent for its month, skips a submitted claim."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.jobs.registry import kind
from carehub.jobs.services import _parameters
from carehub.registry.models import Resident
from carehub.settlement import services
from tests.careplans.helpers import add_resident
from tests.policy.helpers import add_visit, api_as, publish, verify


class Ctx:
    job_id = 0

    def progress(self, *_args) -> None:
        pass


def test_monthly_draft_is_idempotent_and_respects_a_closed_month(client, world, ctx):
    publish(world.user("admin"))
    resident = db.session.get(Resident, add_resident(api_as(client, world)("admin"),
                                                     world.station_a))  # fmt: skip
    verify(world.user("admin"), add_visit(resident, day=date(2026, 3, 5)))
    run = kind("monthly-claims").run
    assert run(Ctx(), month="2026-03") == {"month": "2026-03", "drafted": 1, "skipped": 0,
                                           "lines": 1}  # fmt: skip
    assert run(Ctx(), month="2026-03")["lines"] == 0
    [claim] = services.list_claims(world.user("admin"), {})["items"]
    services.submit_claim(world.user("admin"), claim["id"])
    assert run(Ctx(), month="2026-03")["skipped"] == 1


def test_bad_month_parameter_is_named(ctx):
    with pytest.raises(CareHubError) as info:
        _parameters(kind("monthly-claims"), {"month": "March"})
    assert list(info.value.lazy_errors) == ["parameters.month"]
