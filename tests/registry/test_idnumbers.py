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
        ("110105194912310021", "id_check_digit"),
        ("11010519491231002", "wrong_length"),
        ("1101051949123100AX", "id_characters"),
        ("110105194902300023", "impossible_birth_date"),  # 30 February
        ("110105199913310027", "impossible_birth_date"),  # month 13
        ("990105194912310021", "unknown_region"),
        ("110105230012310022", "impossible_birth_date"),  # born in 2300
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason(value, reason):
    with pytest.raises(InvalidIdentifier) as refused:
        parse_id_number(value)
    assert refused.value.code == reason


def test_a_refusal_names_what_was_entered():
    """Outside a request (CLI, jobs) the message is English, with its parameters filled in."""
    with pytest.raises(InvalidIdentifier, match="17 were entered"):
        parse_id_number("11010519491231002")
    with pytest.raises(InvalidIdentifier, match="birth date 19490230"):
        parse_id_number("110105194902300023")


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
        ("91350100M000100Y4", "wrong_length"),
        ("91350100M000100I43", "characters_not_allowed"),
        ("Z1350100M000100Y43", "characters_not_allowed"),
        ("X1350100M000100Y43", "unknown_authority"),
        ("91AB0100M000100Y43", "division_code"),
    ],
)
def test_bad_credit_codes(value, reason):
    with pytest.raises(InvalidIdentifier) as refused:
        parse_credit_code(value)
    assert refused.value.code == reason
