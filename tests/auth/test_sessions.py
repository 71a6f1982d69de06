"""Sessions end when asked: logout, a new password, revoked tokens; wrong passwords are throttled."""

from __future__ import annotations

import pytest

from carehub import create_app
from carehub.auth.services import set_password
from carehub.extensions import db
from tests.factories import PASSWORD


def test_logout_makes_the_old_cookie_worthless(app, client, world, login):
    login("coord_a")
    assert client.get("/residents").status_code == 200
    old = client.get_cookie("session").value
    other = app.test_client()  # the same account in another browser, or a stolen cookie
    other.set_cookie("session", old)
    assert other.get("/residents").status_code == 200

    client.post("/logout")
    client.set_cookie("session", old)
    response = client.get("/residents")
    assert response.status_code == 302 and "/login" in response.location
    assert other.get("/residents").status_code == 302
    login("coord_a")  # and logging in again works
    assert client.get("/residents").status_code == 200


def test_a_new_password_ends_sessions_and_tokens(app, client, world, login, api):
    login("coord_a")
    assert api("coord_a").get("/api/v1/me").status_code == 200
    with app.app_context():
        set_password(world.user("coord_a"), world.user("coord_a").id, "another-password")
        db.session.commit()
    assert client.get("/residents").status_code == 302
    assert api("coord_a").get("/api/v1/me").status_code == 401
    login("coord_a", "another-password")
    assert client.get("/residents").status_code == 200


def _token(client, username: str) -> dict:
    body = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {body.json['token']}"}


def test_a_token_is_revoked_by_its_holder(client, world):
    first, second = _token(client, "coord_a"), _token(client, "coord_a")
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 401  # no token, nothing to revoke


def test_all_tokens_of_an_account_are_revoked(app, client, world, api):
    mine = [_token(client, "coord_a") for _ in range(2)]
    assert client.delete("/api/v1/auth/tokens", headers=mine[0]).status_code == 204
    assert all(client.get("/api/v1/me", headers=h).status_code == 401 for h in mine)

    theirs = _token(client, "coord_b")
    with app.app_context():
        coord_b = world.user("coord_b").id
    by_admin = client.delete(f"/api/v1/users/{coord_b}/tokens", headers=api("admin").headers)
    assert by_admin.status_code == 204
    assert client.get("/api/v1/me", headers=theirs).status_code == 401
    refused = client.delete(f"/api/v1/users/{coord_b}/tokens", headers=api("carer").headers)
    assert refused.status_code == 404 and refused.json["code"] == 404
    huge = client.delete(f"/api/v1/users/{10**30}/tokens", headers=api("admin").headers)
    assert huge.status_code == 404


@pytest.fixture
def throttled(app, database_url):
    """An app with the throttle on (tests switch it off), three wrong passwords per name a minute."""
    strict = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                         "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                         "RATELIMIT_ENABLED": True, "CAREHUB_LOGIN_LIMIT_PER_USER": "3/minute",
                         "CAREHUB_LOGIN_LIMIT_PER_ADDRESS": "6/minute",
                         "CAREHUB_ARGON2_TIME_COST": 1, "CAREHUB_ARGON2_MEMORY_KIB": 1024})  # fmt: skip
    return strict.test_client()


def test_wrong_passwords_are_throttled_per_name_then_per_address(world, throttled):
    def token(username, password, address="10.0.0.1"):
        return throttled.post(
            "/api/v1/auth/token", json={"username": username, "password": password},
            environ_base={"REMOTE_ADDR": address},
        )  # fmt: skip

    assert token("coord_a", PASSWORD).status_code == 201  # right passwords are never counted
    for _ in range(3):
        assert token("coord_a", "wrong-one").status_code == 401
    held = token("COORD_A", PASSWORD)  # even the right password waits, whatever the case
    assert held.status_code == 429 and held.json["code"] == 429
    assert int(held.headers["Retry-After"]) > 0
    page = throttled.post("/login", data={"username": "coord_a", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})  # fmt: skip
    assert page.status_code == 429 and "密码错误次数过多" in page.get_data(as_text=True)

    assert token("coord_b", PASSWORD).status_code == 201  # another name from the same address
    for name in ("x1", "x2", "x3"):
        assert token(name, "wrong-one").status_code == 401
    assert token("coord_b", PASSWORD).status_code == 429  # six failures from this address
    assert token("coord_b", PASSWORD, address="10.0.0.3").status_code == 201


def test_changing_ones_password_through_the_api(client, world, api):
    me = api("coord_b")
    wrong = me.client.put("/api/v1/me/password", headers=me.headers,
                          json={"current_password": "nope-nope", "new_password": "x" * 12})  # fmt: skip
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]
    short = me.client.put("/api/v1/me/password", headers=me.headers,
                          json={"current_password": PASSWORD, "new_password": "short"})  # fmt: skip
    assert short.status_code == 422 and "new_password" in short.json["errors"]
    done = me.client.put("/api/v1/me/password", headers=me.headers,
                         json={"current_password": PASSWORD, "new_password": "a-new-password"})  # fmt: skip
    assert done.status_code == 204
    assert me.get("/api/v1/me").status_code == 401  # this token ended with the old password
    old = {"username": "coord_b", "password": PASSWORD}
    assert client.post("/api/v1/auth/token", json=old).status_code == 401
    new = {"username": "coord_b", "password": "a-new-password"}
    assert client.post("/api/v1/auth/token", json=new).status_code == 201
