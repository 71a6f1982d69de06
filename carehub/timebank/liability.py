"""The bureau's view: the hours the district owes, what they are worth, how well the guarantee
fund covers them, and when they will be claimed as holders reach 60, 70 and 80."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select

from carehub.careplans.clock import local_today
from carehub.extensions import db
from carehub.registry.idnumbers import age_on
from carehub.registry.models import Resident, Station, Volunteer
from carehub.timebank import errors, fund
from carehub.timebank.models import Account, Entry, Transaction
from carehub.timebank.rules import rules_on
from carehub.timebank.services import held_minutes

BANDS = ("under 60", "60-69", "70-79", "80+", "pool")
READERS = frozenset({"admin", "auditor"})
HORIZON = 20  # years projected


def settings(day: date) -> tuple[int, int]:
    """The market value of an hour (the policy version's time-bank rules in force on ``day``) and
    the guarantee fund in fen (the app's config, else ``CAREHUB_TIMEBANK_GUARANTEE_FUND_FEN``)."""
    return rules_on(day).hour_value_fen, _fen("CAREHUB_TIMEBANK_GUARANTEE_FUND_FEN", 5_000_000)


def _fen(name: str, default: int) -> int:
    value = current_app.config.get(name, os.environ.get(name, default))
    return int(value) if str(value).isdigit() else default


def band(age: int | None) -> str:
    if age is None:
        return "pool"
    if age < 60:
        return "under 60"
    return "80+" if age >= 80 else f"{age // 10 * 10}-{age // 10 * 10 + 9}"


def value_fen(minutes: int, hour_fen: int) -> int:
    return int((Decimal(minutes) * hour_fen / 60).to_integral_value(ROUND_HALF_UP))


def report(actor) -> dict:
    if actor.role not in READERS:
        raise errors.no_reader()
    today = local_today()
    hour_fen, fund_fen = settings(today)
    recorded = fund.balance_on(today)
    fund_fen = fund_fen if recorded is None else recorded
    owed = _owed(today)
    total = sum(row["minutes"] for row in owed)
    value = value_fen(total, hour_fen)
    by_station: dict[tuple, int] = defaultdict(int)
    for row in owed:
        by_station[(row["station"], row["band"])] += row["minutes"]
    cells = [{"station": st, "band": b, "minutes": m, "value_fen": value_fen(m, hour_fen)}
             for (st, b), m in sorted(by_station.items())]  # fmt: skip
    cover = (Decimal(fund_fen) / value).quantize(Decimal("0.01")) if value else None
    return {"as_of": today, "outstanding_minutes": total, "value_fen": value,
            "hour_value_fen": hour_fen, "fund_fen": fund_fen,
            "cover": str(cover) if cover is not None else None, "by_station": cells,
            "projection": _projection(owed, today), "trend": _trend(today),
            "station_trends": station_trends(today)}  # fmt: skip


def _owed(today: date) -> list[dict]:
    """Every holder's balance plus what it has on hold (still owed until the visit is done)."""
    accounts = list(db.session.scalars(select(Account).where(Account.kind.in_(
        ("volunteer", "resident", "pool")))))  # fmt: skip
    held = held_minutes([a.id for a in accounts])
    stations = {s.id: s.name for s in db.session.scalars(select(Station))}
    born = _birth_dates(accounts)
    rows = []
    for account in accounts:
        minutes = account.balance_minutes + held.get(account.id, 0)
        if not minutes:
            continue
        birth = born.get(account.id)
        rows.append({"station": stations.get(account.station_id, "-"), "minutes": minutes,
                     "born": birth, "band": band(birth and age_on(birth, today))})  # fmt: skip
    return rows


def _birth_dates(accounts) -> dict[int, date]:
    vols = dict(db.session.execute(select(Volunteer.id, Volunteer.birth_date)).all())
    residents = dict(db.session.execute(select(Resident.id, Resident.birth_date)).all())
    found = {}
    for a in accounts:
        if a.volunteer_id:
            found[a.id] = vols[a.volunteer_id]
        elif a.resident_id:
            found[a.id] = residents[a.resident_id]
    return found


def _projection(owed: list[dict], today: date) -> list[dict]:
    """Minutes held by people reaching 60, 70 and 80 in each coming year (already past: now)."""
    years = {today.year + n: {"year": today.year + n, "reach_60": 0, "reach_70": 0,
                              "reach_80": 0} for n in range(HORIZON + 1)}  # fmt: skip
    for row in owed:
        if row["born"] is None:
            continue
        for age in (60, 70, 80):
            year = max(today.year, row["born"].year + age)
            if year in years:
                years[year][f"reach_{age}"] += row["minutes"]
    return list(years.values())


def _trend(today: date, months: int = 12) -> list[dict]:
    """Minutes outstanding at the end of each of the last months (minus the issuer's balance)."""
    points = []
    for back in range(months - 1, -1, -1):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        end_y, end_m = divmod(y * 12 + m + 1, 12)
        end = datetime(end_y, end_m + 1, 1, tzinfo=UTC)
        query = (
            select(func.coalesce(func.sum(Entry.minutes), 0))
            .join(Transaction, Transaction.id == Entry.transaction_id)
            .join(Account, Account.id == Entry.account_id)
            .where(Account.kind == "issuer", Transaction.created_at < end)
        )
        points.append({"month": f"{y}-{m + 1:02d}", "minutes": -int(db.session.scalar(query))})
    return points


def station_trends(today: date, months: int = 12) -> list[dict]:
    """Each station's holders' balances at the end of each of the last months (holds excluded:
    the holds account is district-wide, so a station's line is its holders' own balances)."""
    names = {s.id: s.name for s in db.session.scalars(select(Station).order_by(Station.id))}
    ends = []
    for back in range(months - 1, -1, -1):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        end_y, end_m = divmod(y * 12 + m + 1, 12)
        ends.append(
            (f"{y}-{m + 1:02d}", datetime(end_y, end_m + 1, 1, tzinfo=UTC) if back else None)
        )
    series = {sid: [0] * months for sid in names}  # month by month, from the oldest
    for i, (_month, end) in enumerate(ends):
        query = (
            select(Account.station_id, func.sum(Entry.minutes))
            .join(Transaction, Transaction.id == Entry.transaction_id)
            .join(Account, Account.id == Entry.account_id)
            .where(Account.kind.in_(("volunteer", "resident", "pool")))
            .group_by(Account.station_id)
        )
        if end is not None:  # this month's point is the balance now
            query = query.where(Transaction.created_at < end)
        for station_id, minutes in db.session.execute(query):
            if station_id in series:
                series[station_id][i] = int(minutes or 0)
    return [{"station": names[sid], "months": [m for m, _ in ends], "minutes": values}
            for sid, values in series.items() if any(values)]  # fmt: skip
