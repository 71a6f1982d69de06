"""The split on its own: property tests over any price, tier and allowance state."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carehub.policy.split import in_hours, price_fen, share_minutes, split

TIERS = ("government", "low_cost", "paid", "time_credit", "volunteer")
money = st.integers(0, 10_000_000)


@given(tier=st.sampled_from(TIERS), price=money, allowance_left=money,
       share=st.integers(0, 100), cap_left=money, minutes=st.integers(0, 960))  # fmt: skip
def test_parts_add_up_never_negative_never_beyond_allowance(
    tier, price, allowance_left, share, cap_left, minutes
):
    parts = split(tier, price, allowance_left=allowance_left, share_pct=share,
                  cap_left=cap_left, minutes=minutes)  # fmt: skip
    if tier == "volunteer":
        assert parts.price_fen == 0
    else:
        assert parts.price_fen == price
    assert parts.government_fen + parts.copay_fen + parts.paid_fen == parts.price_fen
    assert min(parts.government_fen, parts.copay_fen, parts.paid_fen) >= 0
    assert parts.allowance_fen <= allowance_left
    assert parts.low_cost_fen <= cap_left
    if tier in ("government", "low_cost"):
        assert parts.government_fen == parts.allowance_fen + parts.low_cost_fen


def test_government_within_allowance_is_free():
    parts = split("government", 1500, allowance_left=60000, share_pct=50, cap_left=30000)
    assert (parts.government_fen, parts.copay_fen, parts.paid_fen) == (1500, 0, 0)


def test_beyond_the_allowance_becomes_low_cost_then_paid():
    parts = split("government", 1500, allowance_left=501, share_pct=50, cap_left=30000)
    assert (parts.allowance_fen, parts.low_cost_fen, parts.copay_fen) == (501, 500, 499)
    capped = split("government", 1500, allowance_left=0, share_pct=50, cap_left=0)
    assert (capped.government_fen, capped.paid_fen) == (0, 1500)


def test_low_cost_share_rounds_half_up_once():
    parts = split("low_cost", 1501, share_pct=50, cap_left=30000)
    assert (parts.government_fen, parts.copay_fen) == (751, 750)


def test_time_credit_is_paid_by_the_fund_and_records_minutes():
    parts = split("time_credit", 2000, minutes=120)
    assert (parts.government_fen, parts.time_credit_minutes) == (2000, 120)


def test_price_is_prorated_and_rounded_half_up_at_the_fen():
    assert price_fen(1500, 60, 45, 1) == 1125
    assert price_fen(1000, 60, 50, 1) == 833  # 833.33
    assert price_fen(1001, 60, 30, 1) == 501  # 500.5 rounds up
    assert price_fen(4000, 60, 60, 2) == 8000  # two carers: twice the price


@given(tier=st.sampled_from(("low_cost", "paid")), price=money, share=st.integers(0, 100),
       cap_left=money, hour_value=st.integers(1, 100_000))  # fmt: skip
def test_share_in_hours_moves_the_share_to_minutes_and_still_adds_up(
    tier, price, share, cap_left, hour_value
):
    cash = split(tier, price, share_pct=share, cap_left=cap_left)
    hours = in_hours(cash, hour_value)
    owed = cash.copay_fen + cash.paid_fen
    assert hours.copay_fen == hours.paid_fen == 0
    assert hours.government_fen == cash.government_fen + owed == hours.price_fen
    assert hours.low_cost_fen == cash.low_cost_fen
    assert hours.allowance_fen + hours.low_cost_fen <= hours.government_fen
    # rounded up: the minutes are worth the share, and one minute fewer would not be
    assert hours.time_credit_minutes * hour_value >= owed * 60
    assert (hours.time_credit_minutes - 1) * hour_value < owed * 60 or owed == 0


def test_share_in_hours_at_the_default_hour_value():
    # 80 yuan paid visit at 30 yuan an hour: 160 minutes; 10.01 yuan rounds up to 21 minutes
    assert in_hours(split("paid", 8000)).time_credit_minutes == 160
    assert share_minutes(1001) == 21
    copay = in_hours(split("low_cost", 5000, share_pct=60, cap_left=100000))
    assert (copay.government_fen, copay.copay_fen, copay.time_credit_minutes) == (5000, 0, 40)


def test_nothing_to_pay_means_no_minutes():
    parts = split("low_cost", 5000, share_pct=100, cap_left=100000)
    assert in_hours(parts) == parts
