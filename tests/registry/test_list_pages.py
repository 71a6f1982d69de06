"""Every list page is the same skeleton (templates/_list.html) filled by its domain."""

from __future__ import annotations

import re

import pytest

from tests.registry.test_pages import _resident

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
