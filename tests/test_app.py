"""The application shell: configuration, health check, OpenAPI document and offline docs."""

from carehub import create_app


def test_config_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CAREHUB_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("CAREHUB_SECRET_KEY", "from-env")
    monkeypatch.setenv("CAREHUB_TIMEZONE", "Asia/Urumqi")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["CAREHUB_TIMEZONE"] == "Asia/Urumqi"
    assert create_app({"SECRET_KEY": "given"}).config["SECRET_KEY"] == "given"


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_openapi_document_lists_the_registry(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/residents", "/api/v1/residents/{resident_id}", "/api/v1/caregivers",
                 "/api/v1/providers", "/api/v1/volunteers", "/api/v1/auth/token",
                 "/api/v1/service-types"):  # fmt: skip
        assert path in spec["paths"], path
    body = spec["paths"]["/api/v1/residents"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]
    params = {p["name"] for p in spec["paths"]["/api/v1/residents"]["get"]["parameters"]}
    assert {"q", "category", "ability_level", "page", "per_page"} <= params
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/v1/docs/").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200


def test_unknown_api_path_is_json_404(client, world):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code in (401, 404)
    assert response.json["code"] == response.status_code
