"""Totals of claim lines: all, approved, and by funding source, station, service and category."""

from __future__ import annotations

from sqlalchemy import func, select

from carehub.extensions import db

AMOUNTS = ("price_fen", "government_fen", "copay_fen", "paid_fen", "time_credit_minutes")
GROUPS = {"tier": "tier", "station": "station_id", "service": "service_code",
          "category": "category"}  # fmt: skip


def _empty(key: str) -> dict:
    return {"key": key, "lines": 0, **dict.fromkeys(AMOUNTS, 0)}


def _add(total: dict, line) -> None:
    total["lines"] += 1
    for name in AMOUNTS:
        total[name] += getattr(line, name)


def totals(lines) -> dict:
    """Sums over ``lines`` (reversal lines carry negative amounts, so they net out)."""
    found = {"all": _empty("all"), "approved": _empty("approved")}
    groups: dict[str, dict[str, dict]] = {name: {} for name in GROUPS}
    for line in lines:
        _add(found["all"], line)
        if line.state == "approved":
            _add(found["approved"], line)
        for name, attribute in GROUPS.items():
            key = str(getattr(line, attribute))
            _add(groups[name].setdefault(key, _empty(key)), line)
    for name in GROUPS:
        found[name] = [groups[name][key] for key in sorted(groups[name])]
    return found


def sql_totals(claim_id: int, station_ids: set[int] | None = None) -> dict:
    """The same totals summed by the database (a claim summary without loading its lines)."""
    from carehub.settlement.models import ClaimLine

    sums = [func.count(ClaimLine.id), *(func.coalesce(func.sum(getattr(ClaimLine, a)), 0)
                                        for a in AMOUNTS)]  # fmt: skip
    base = select(*sums).where(ClaimLine.claim_id == claim_id)
    if station_ids is not None:
        base = base.where(ClaimLine.station_id.in_(station_ids or {-1}))

    def row(key, values) -> dict:
        return {"key": key, "lines": values[0], **dict(zip(AMOUNTS, values[1:], strict=True))}

    found = {"all": row("all", db.session.execute(base).one()),
             "approved": row("approved", db.session.execute(
                 base.where(ClaimLine.state == "approved")).one())}  # fmt: skip
    for name, attribute in GROUPS.items():
        column = getattr(ClaimLine, attribute)
        grouped = db.session.execute(base.add_columns(column).group_by(column)).all()
        found[name] = sorted((row(str(r[-1]), r[:-1]) for r in grouped), key=lambda t: t["key"])
    return found
