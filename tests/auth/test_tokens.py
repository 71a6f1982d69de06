from datetime import timedelta

from carehub.auth.models import ApiToken
from carehub.common.types import utcnow
from carehub.extensions import db


def test_token_for_right_password_only(client, world):
    good = client.post(
        "/api/v1/auth/token", json={"username": "coord_a", "password": "password123"}
    )
    assert good.status_code == 201
    token = good.json["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["username"] == "coord_a" and me.json["station_ids"] == [world.station_a]
    bad = client.post("/api/v1/auth/token", json={"username": "coord_a", "password": "nope-nope"})
    assert bad.status_code == 401 and bad.json["code"] == 401
    missing = client.post("/api/v1/auth/token", json={"username": "coord_a"})
    assert missing.status_code == 422 and "password" in missing.json["errors"]


def test_expired_token_is_refused(app, client, world):
    headers = {"Authorization": f"Bearer {world.tokens['coord_a']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        for row in db.session.scalars(db.select(ApiToken)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(app, world):
    with app.app_context():
        stored = {row.token_hash for row in db.session.scalars(db.select(ApiToken))}
    assert not stored & set(world.tokens.values())


def test_cli_creates_a_user_with_password_from_stdin(app, world, runner):
    result = runner.invoke(
        args=["users", "create", "newcoord", "--role", "coordinator", "--station", "S-B"],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    creds = {"username": "newcoord", "password": "a-long-password"}
    assert client.post("/api/v1/auth/token", json=creds).status_code == 201
    bad = runner.invoke(
        args=["users", "create", "x", "--role", "coordinator"], input="long-enough\n"
    )
    assert bad.exit_code != 0 and "station" in bad.output


def test_login_page_logs_in_and_out(client, world):
    assert client.get("/residents").status_code == 302
    response = client.post("/login", data={"username": "coord_a", "password": "wrong-one"})
    assert response.status_code == 200
    response = client.post(
        "/login?next=/residents", data={"username": "coord_a", "password": "password123"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/residents")
    evil = client.post(
        "/login?next=https://evil.example/", data={"username": "coord_a", "password": "password123"}
    )
    assert "evil" not in evil.headers["Location"]


def test_admin_manages_accounts_through_the_api(api, world):
    new = {
        "username": "coord_c",
        "password": "long-password",
        "role": "coordinator",
        "stations": ["S-B"],
    }
    assert api("coord_a").post("/api/v1/users", json=new).status_code == 403
    created = api("admin").post("/api/v1/users", json=new)
    assert created.status_code == 201 and created.json["station_ids"] == [world.station_b]
    again = api("admin").post("/api/v1/users", json=new)
    assert again.status_code == 409 and "username" in again.json["errors"]
    bad = api("admin").post("/api/v1/users", json={**new, "username": "y", "role": "king"})
    assert bad.status_code == 422 and "role" in bad.json["errors"]
    nostation = api("admin").post(
        "/api/v1/users", json={**new, "username": "z", "stations": ["NOPE"]}
    )
    assert nostation.status_code == 422 and "station" in nostation.json["errors"]
    assert "coord_c" in [u["username"] for u in api("admin").get("/api/v1/users").json]
