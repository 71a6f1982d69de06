"""The jobs page in a browser: "run now" queues a run, a worker runs it, and the page's script
(a static file, under the strict CSP) follows it until it has finished, without a manual reload."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_run_now_and_watch_the_run_finish(app, browser, live_server):
    from carehub.jobs.runner import Worker

    page = browser.new_page(locale="zh-CN")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text
            else None)  # fmt: skip
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/jobs")
    page.locator("tr", has_text="selftest").get_by_role("button", name="立即运行").click()
    page.wait_for_selector("tr[data-job-id] .badge.queued")
    assert Worker(app, name="e2e").run_next() is not None
    page.wait_for_selector(".badge.succeeded", timeout=15000)  # the poll saw it end and reloaded
    assert page.locator("tr[data-job-id]").count() == 0
    assert '{"steps": 3}' in page.inner_text("#jobs")
    assert violations == []
