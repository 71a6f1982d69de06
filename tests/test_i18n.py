"""The Chinese catalogue covers every string of the pages, and the pages speak it by default."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "carehub" / "translations" / "zh" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _source_msgids() -> set:
    """What `pybabel extract -F babel.cfg -k _l -k lazy_gettext` finds in the code today."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _po():
    with open(CATALOG / "messages.po", "rb") as f:
        return read_po(f, locale="zh")


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _text(message) -> str:
    return message.string if isinstance(message.string, str) else message.string[0]


def test_every_source_string_has_a_chinese_translation():
    catalog = _po()
    translated = {_key(m) for m in catalog if m.id and _text(m) and "fuzzy" not in m.flags}
    missing = sorted(_source_msgids() - translated)
    assert not missing, (
        f"untranslated (run pybabel extract/update, translate, compile; see babel.cfg): {missing}"
    )


def test_translations_keep_their_placeholders():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _po().check()]
    assert problems == []


def test_the_committed_mo_matches_the_po():
    """The app runs from a fresh clone with no compile step, so the .mo must be current."""
    with open(CATALOG / "messages.mo", "rb") as f:
        compiled = {_key(m): _text(m) for m in read_mo(f) if m.id}
    stale = [_key(m) for m in _po() if m.id and compiled.get(_key(m)) != _text(m)]
    assert stale == [], "the .mo is older than the .po: run pybabel compile -d carehub/translations"


def _resident(app, world) -> int:
    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.registry.services.residents import create_resident
    from tests.factories import resident_payload

    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.username == "coord_a"))
        return create_resident(actor, resident_payload(world.station_a)).id


def test_resident_page_is_chinese_by_default_and_english_on_request(app, world, login):
    client = login("coord_a")
    url = f"/residents/{_resident(app, world)}"

    chinese = client.get(url).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese
    for text in ("基本信息", "身份证号码", "家属及紧急联系人", "居家养老协议", "低保对象", "独居"):
        assert text in chinese
    assert "Basic facts" not in chinese

    english = client.get(url + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    for text in ("Basic facts", "ID number", "Minimum living allowance (dibao)", "Lives alone"):
        assert text in english
    assert "基本信息" not in english
    # The choice is remembered for the next page.
    assert "Family members and emergency contacts" in client.get(url).get_data(as_text=True)


def _resident_form(station_id: int) -> dict:
    from tests.factories import id_number

    return {"station_id": str(station_id), "name": "赵桂兰", "id_number": id_number(7),
            "address": "鼓楼区北京西路5号", "household": "alone"}  # fmt: skip


def test_a_service_error_is_chinese_on_the_page_and_english_with_its_code_in_the_api(
    world, login, api
):
    """One coded error (a station outside the account's own): no English text is looked up."""
    form = _resident_form(world.station_a)
    client = login("coord_b")
    page = client.post("/residents/new", data=form).get_data(as_text=True)
    assert "请选择您所辖的服务站。" in page and "Choose one of your stations" not in page
    english = client.post("/residents/new?lang=en", data=form).get_data(as_text=True)
    assert "Choose one of your stations." in english

    from tests.factories import resident_payload

    body = api("coord_b").post("/api/v1/residents", json=resident_payload(world.station_a)).json
    assert body["error"] == "unknown_station"
    assert body["errors"] == {"station_id": ["Choose one of your stations."]}
    assert body["message"] == "station_id: Choose one of your stations."


def test_validation_messages_are_chinese_on_the_page_and_english_in_the_api(world, login, api):
    """marshmallow's own refusals (a required field, a bad number) speak the reader's language."""
    form = _resident_form(world.station_b) | {"name": "", "latitude": "北纬"}
    page = login("coord_b").post("/residents/new", data=form).get_data(as_text=True)
    assert "必填,最多40个字。" in page and "请填写数字。" in page
    assert "Length must be" not in page and "Not a valid" not in page

    from tests.factories import resident_payload

    payload = resident_payload(world.station_b, name="", latitude="north", household="hut")
    payload["family_members"] = [{"name": "赵强", "relationship": "儿子", "phone": "12"}]
    body = api("coord_b").post("/api/v1/residents", json=payload).json
    assert body["errors"]["name"] == ["Required; at most 40 characters."]
    assert body["errors"]["latitude"] == ["Enter a number."]
    assert body["errors"]["household"][0].startswith("Choose one of: ")
    assert body["errors"]["family_members.0.phone"] == [
        "Not a valid mobile (11 digits) or landline number."
    ]


def test_an_identifier_keeps_its_code_through_the_schema(world, api):
    """The ID number's own check is a marshmallow validator; its code still reaches the API."""
    from tests.factories import id_number, resident_payload

    good = id_number(8)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api("coord_a").post(
        "/api/v1/residents", json=resident_payload(world.station_a, id_number=wrong)
    )
    assert response.status_code == 422 and response.json["error"] == "id_check_digit"
    assert response.json["errors"]["id_number"] == [
        "The check digit is wrong (GB 11643): please check the number."
    ]


def test_the_browser_language_is_honoured_and_an_explicit_choice_remembered(client):
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    page = client.get("/login", headers=english).get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in to CareHub" in page
    assert '<html lang="zh-CN">' in client.get("/login").get_data(as_text=True)  # no header
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    assert '<html lang="zh-CN">' in client.get("/login", headers=french).get_data(as_text=True)
    chinese_first = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    assert "登录" in client.get("/login", headers=chinese_first).get_data(as_text=True)

    chosen = client.get("/login?lang=zh", headers=english)
    assert '<html lang="zh-CN">' in chosen.get_data(as_text=True)
    cookie = chosen.headers["Set-Cookie"]
    assert "carehub_lang=zh" in cookie and "SameSite=Lax" in cookie
    again = client.get("/login", headers=english).get_data(as_text=True)
    assert '<html lang="zh-CN">' in again  # the choice beats the browser
    # The switch is on every page, pointing to the other language.
    assert "lang=en" in again and "English" in again
