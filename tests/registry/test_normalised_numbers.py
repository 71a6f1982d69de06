"""One person, one record: ID numbers, phones and codes typed in any Unicode form are one value.

Full-width digits (an IME left in full-width mode), Arabic-Indic digits, superscripts, spaces and
dashes are all read as the ASCII number they show; what still is not a number is a 422 naming the
field, never a 500 and never a second record of the same person.
"""

from __future__ import annotations

import csv
import io

import pytest

from carehub.registry.idnumbers import compose_credit_code
from tests.api.test_scoping import caregiver_payload, volunteer_payload
from tests.factories import id_number, resident_payload

RESIDENTS = "/api/v1/residents"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def full_width(value: str) -> str:
    return value.translate(FULL_WIDTH)


def arabic_indic(value: str) -> str:
    return value.translate(ARABIC_INDIC)


def partly_full_width(value: str) -> str:
    """The issue's example, 32０１０６…: full-width digits between ASCII ones."""
    return value[:2] + full_width(value[2:17]) + value[17]


def mixed(value: str) -> str:
    """Half the digits full-width, a few Arabic-Indic, one superscript two, spaces between."""
    head = full_width(value[:6]) + " " + arabic_indic(value[6:10])
    return head + " " + value[10:17].replace("2", "²") + value[17:].lower()


@pytest.mark.parametrize(
    "form", [partly_full_width, full_width, arabic_indic, mixed], ids=lambda f: f.__name__
)
def test_an_id_number_in_another_form_is_the_same_person(api, world, form):
    ascii_id = id_number(3)
    first = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a, 3))
    assert first.status_code == 201, first.json
    again = api("coord_a").post(
        RESIDENTS, json=resident_payload(world.station_a, 4, id_number=form(ascii_id))
    )
    assert again.status_code == 409, again.json
    assert "id_number" in again.json["errors"]
    assert api("admin").get(RESIDENTS).json["total"] == 1


@pytest.mark.parametrize(
    "form", [partly_full_width, full_width, arabic_indic, mixed], ids=lambda f: f.__name__
)
def test_an_id_number_is_stored_and_found_as_ascii(api, world, form):
    ascii_id = id_number(5)
    created = api("coord_a").post(
        RESIDENTS, json=resident_payload(world.station_a, 5, id_number=form(ascii_id))
    )
    assert created.status_code == 201, created.json
    assert created.json["id_number"] == ascii_id[:4] + "*" * 10 + ascii_id[-4:]
    for term in (ascii_id, form(ascii_id), full_width(ascii_id)):
        found = api("coord_a").get(RESIDENTS, query_string={"q": term}).json
        assert [r["id"] for r in found["items"]] == [created.json["id"]], term


@pytest.mark.parametrize(
    "bad",
    [
        id_number(6)[:10] + "O" + id_number(6)[11:],  # a letter O for a zero
        id_number(6)[:10] + "三" + id_number(6)[11:],
        id_number(6)[:17] + "Y",
        id_number(6)[:10] + "½" + id_number(6)[11:],  # NFKC makes it "1⁄2": three characters
    ],
)
def test_what_is_not_digits_and_x_is_a_422_naming_the_field(api, world, bad):
    response = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a, id_number=bad))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "id_number" in response.json["errors"]


def test_a_superscript_digit_is_no_longer_a_server_error(api, world):
    ascii_id = id_number(2)  # sequence digits "020": the superscript sits before the check digit
    position = ascii_id.index("2", 14)
    odd = ascii_id[:position] + "²" + ascii_id[position + 1 :]
    response = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a, id_number=odd))
    assert response.status_code == 201, response.get_data(as_text=True)


def test_phones_are_stored_as_ascii_digits(api, world):
    payload = resident_payload(
        world.station_a,
        phone="１３８ １２３４-５６７８",
        family_members=[{"name": "李明", "relationship": "儿子", "phone": "+86 139-0000-1111"}],
    )
    created = api("coord_a").post(RESIDENTS, json=payload)
    assert created.status_code == 201, created.json
    assert created.json["phone"] == "138****5678"
    assert created.json["family_members"][0]["phone"] == "139****1111"
    bad = api("coord_a").post(
        RESIDENTS, json=resident_payload(world.station_a, 2, phone="138１２３４五６７８")
    )
    assert bad.status_code == 422 and "phone" in bad.json["errors"]


def test_volunteers_and_caregivers_read_numbers_the_same_way(api, world):
    volunteer = volunteer_payload(world)
    assert api("coord_a").post("/api/v1/volunteers", json=volunteer).status_code == 201
    twin = {**volunteer, "name": "钱二", "id_number": full_width(volunteer["id_number"])}
    again = api("coord_a").post("/api/v1/volunteers", json=twin)
    assert again.status_code == 409 and "id_number" in again.json["errors"]
    carer = api("coord_a").post(
        "/api/v1/caregivers", json=caregiver_payload(world, phone="１３７ ０００٠ ０００１")
    )
    assert carer.status_code == 201, carer.json
    assert carer.json["phone"] == "137****0001"


def test_credit_and_station_codes_are_normalised(api, world):
    code = compose_credit_code("91320106MA1XXXXX0")  # the world's provider
    response = api("admin").post(
        "/api/v1/providers", json={"name": "同一家", "credit_code": full_width(code)}
    )
    assert response.status_code == 409, response.json
    assert "credit_code" in response.json["errors"]
    found = api("admin").get("/api/v1/providers", query_string={"q": full_width(code)}).json
    assert found["total"] == 1
    station = {"code": "Ｓ－Ａ", "name": "又一站", "street_id": world.street,
               "latitude": 32.0, "longitude": 118.7}  # fmt: skip
    response = api("admin").post("/api/v1/stations", json=station)
    assert response.status_code == 409, response.json
    assert "code" in response.json["errors"]


def test_the_normalisation_functions_the_importer_shares():
    from carehub.common.normalise import NotNormal, normalise_id_number, normalise_phone

    assert normalise_id_number(" ３２０１０６１９４５０３０８００１ｘ ") == "32010619450308001X"
    assert normalise_phone("(025) 8321-1234") == "02583211234"
    assert normalise_phone("＋８６ １３８ １２３４ ５６７８") == "13812345678"
    with pytest.raises(NotNormal):
        normalise_id_number("3201O6")
    with pytest.raises(NotNormal):
        normalise_phone("138-abc")


def test_the_import_reads_numbers_the_same_way(api, world):
    """The importer calls the same services: a full-width row and its ASCII twin are one person."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "联系电话", "住址", "所属服务站"])
    ascii_id = id_number(11)
    writer.writerow(
        ["王秀英", full_width(ascii_id), "１３８-１２３４-５６７８", "宁海路5号", "S-A"]
    )
    writer.writerow(["王秀英", ascii_id, "13812345678", "宁海路5号", "S-A"])
    upload = {"file": (io.BytesIO(out.getvalue().encode()), "roster.csv")}
    preview = api("coord_a").post(
        "/api/v1/imports/residents", data=upload, content_type="multipart/form-data"
    )
    rows = preview.json["rows"]
    assert rows[0]["status"] == "ok", rows[0]
    assert rows[1]["status"] == "error" and "row 2" in str(rows[1]["errors"])
