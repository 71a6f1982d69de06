"""Totals of claim lines: all, approved, and by funding source, station, service and category."""

from __future__ import annotations

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
