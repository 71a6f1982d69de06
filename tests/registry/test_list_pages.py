"""Every list page is the same skeleton (templates/_list.html) filled by its domain."""

from __future__ import annotations

import re

import pytest

from tests.registry.test_pages import _assess, _resident

LISTS = {
    "/residents": "没有符合条件的老年人",
    "/caregivers": "没有符合条件的护理员",
    "/volunteers": "没有符合条件的志愿者",
    "/providers": "没有符合条件的服务机构",
}


@pytest.mark.parametrize("url", LISTS)
def test_each_list_has_the_search_form_the_phone_table_and_the_empty_card(app, world, login, url):
    _resident(app, world.station_a, 1)
    client = login("admin")
    page = client.get(url).get_data(as_text=True)
    assert f'<form class="card filters" method="get" action="{url}" role="search">' in page
    assert f'<a href="{url}">清除条件</a>' in page
    if 'class="responsive' in page:  # a phone shows each row as a card labelled cell by cell
        cells = re.findall(r"<td( [^>]*)?>", page)
        assert cells and all('data-label="' in (attrs or "") for attrs in cells)
    empty = client.get(url, query_string={"q": "无此人"}).get_data(as_text=True)
    assert LISTS[url] in empty and "<table" not in empty


def test_the_lists_a_coordinator_may_import_into_link_to_their_import_page(world, login):
    client = login("coord_a")
    for kind in ("residents", "caregivers", "volunteers"):
        assert f'href="/imports/{kind}"' in client.get(f"/{kind}").get_data(as_text=True)
    assert "/imports/" not in login("auditor").get("/residents").get_data(as_text=True)


def _statements(app, fetch) -> int:
    """How many SQL statements one request runs."""
    from sqlalchemy import event

    from carehub.extensions import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def _count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        assert fetch().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return len(seen)


def test_resident_lists_load_levels_in_one_query_however_many_rows(app, world, login, api):
    """The page and the API show each current ability level without a query per resident."""
    client, coordinator = login("coord_a"), api("coord_a")

    def add(first: int, last: int) -> None:
        for seq in range(first, last):
            rid = _resident(app, world.station_a, seq)
            _assess(app, rid, seq % 5)

    add(1, 3)
    few = (_statements(app, lambda: client.get("/residents")),
           _statements(app, lambda: coordinator.get("/api/v1/residents")))  # fmt: skip
    add(3, 9)
    many = (_statements(app, lambda: client.get("/residents")),
            _statements(app, lambda: coordinator.get("/api/v1/residents")))  # fmt: skip
    assert many == few
    assert "2级" in client.get("/residents").get_data(as_text=True)
