"""Two web processes behind a proxy must be interchangeable: nothing lives in process memory."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.factories import PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture
def two_servers(database_url, world):
    env = {
        **os.environ,
        "CAREHUB_DATABASE_URL": database_url,
        "CAREHUB_SECRET_KEY": "test-secret",
    }
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "carehub.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            # each server starts the app twice (the CLI, then gunicorn): slow on a busy CI host
            _wait_until_up(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 120)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def test_token_and_session_work_on_either_process(two_servers):
    import json

    first, second = two_servers
    request = urllib.request.Request(
        f"{first}/api/v1/auth/token",
        data=json.dumps({"username": "coord_a", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        token = json.load(response)["token"]
    me = urllib.request.Request(f"{second}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(me) as response:
        assert json.load(response)["username"] == "coord_a"

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{first}/login").read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "coord_a", "password": PASSWORD, "csrf_token": csrf})
    opener.open(f"{first}/login", data=form.encode())
    with opener.open(f"{second}/residents") as response:  # the cookie from process 1
        assert response.geturl().endswith("/residents")
