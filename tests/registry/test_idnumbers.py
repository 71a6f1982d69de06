from datetime import date

import pytest

from carehub.registry.idnumbers import (
    InvalidIdentifier,
    compose_credit_code,
    compose_id_number,
    parse_credit_code,
    parse_id_number,
)


def test_published_example_id_number_parses():
    parsed = parse_id_number("11010519491231002x")
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"


@pytest.mark.parametrize("sex", ["M", "F"])
def test_composed_numbers_round_trip(sex):
    for seq in range(0, 500, 7):
        parsed = parse_id_number(compose_id_number("320106", date(1940, 2, 29), seq, sex))
        assert (parsed.birth_date, parsed.sex) == (date(1940, 2, 29), sex)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "check digit"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "17 digits"),
        ("110105194902300023", "impossible birth date"),  # 30 February
        ("110105199913310027", "impossible birth date"),  # month 13
        ("990105194912310021", "region"),
        ("110105230012310022", "impossible birth date"),  # born in 2300
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason(value, reason):
    with pytest.raises(InvalidIdentifier, match=reason):
        parse_id_number(value)


def test_every_single_digit_change_breaks_the_check():
    good = compose_id_number("320106", date(1950, 6, 1), 3, "M")
    for pos in range(17):
        digit = str((int(good[pos]) + 1) % 10)
        bad = good[:pos] + digit + good[pos + 1 :]
        with pytest.raises(InvalidIdentifier):
            parse_id_number(bad)


def test_credit_code_check_character():
    assert parse_credit_code("91350100m000100y43") == "91350100M000100Y43"
    code = compose_credit_code("91320106MA1XXXXX0")
    assert parse_credit_code(code) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidIdentifier, match="check character"):
        parse_credit_code(wrong)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "not allowed"),
        ("Z1350100M000100Y43", "not allowed"),
        ("X1350100M000100Y43", "registration authority"),
        ("91AB0100M000100Y43", "administrative division"),
    ],
)
def test_bad_credit_codes(value, reason):
    with pytest.raises(InvalidIdentifier, match=reason):
        parse_credit_code(value)
