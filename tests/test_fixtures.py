"""The shared fixtures do what tests rely on: accounts by name, the CLI, the catalogue put back."""

from __future__ import annotations

import pytest

from carehub.extensions import db
from carehub.registry.models import ServiceType
from tests.conftest import CATALOGUE_TABLES
from tests.factories import kept_catalogue


def test_world_user_is_the_account_of_that_name(world, ctx):
    coordinator = world.user("coord_a")
    assert coordinator.role == "coordinator" and coordinator.station_ids == {world.station_a}
    with pytest.raises(LookupError):
        world.user("nobody")


def test_runner_runs_carehub_commands(runner):
    result = runner.invoke(args=["users", "--help"])
    assert result.exit_code == 0 and "create" in result.output


def test_the_catalogue_is_put_back_after_a_change(app, api, world):
    def meal() -> tuple[int, list[str]]:
        with app.app_context():
            row = db.session.get(ServiceType, "MEAL")
            return row.default_minutes, row.skill_codes

    before = meal()
    with kept_catalogue(app, CATALOGUE_TABLES):
        changed = {"default_minutes": before[0] + 5, "skills": ["meal", "nursing"]}
        assert api("admin").patch("/api/v1/service-types/MEAL", json=changed).status_code == 200
        assert meal() == (before[0] + 5, ["meal", "nursing"])
    assert meal() == before
