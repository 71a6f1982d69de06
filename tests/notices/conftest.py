import pytest

from tests.careplans.helpers import TODAY


@pytest.fixture(autouse=True)
def pinned_today(app, monkeypatch):
    """Every test here runs on a fixed day, whatever the machine's clock says."""
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", TODAY)
    return TODAY
