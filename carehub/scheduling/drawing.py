"""The plan as pictures the server draws (SVG, no map tiles, no script): a timeline per carer
and the routes over the residents' coordinates. Only geometry here; the template draws it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _

from carehub.extensions import db
from carehub.registry.models import Caregiver, Station
from carehub.visits.models import Visit

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22")  # fmt: skip
ROW, LEFT, WIDTH = 30, 110, 980  # timeline: row height, label column, total width (px)


def colour(n: int) -> str:
    return COLOURS[n % len(COLOURS)]


def hhmm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass
class Bar:
    x: float
    w: float
    kind: str  # visit / travel / wait / break / shift
    title: str = ""


@dataclass
class Row:
    label: str
    y: float
    colour: str
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Timeline:
    rows: list[Row]
    ticks: list[tuple[float, str]]
    width: int
    height: int


def by_carer(routes: list[dict]) -> dict[str, list[dict]]:
    """A carer's pieces of the day (shifts, the lunch round) together, carers in plan order."""
    out: dict[str, list[dict]] = {}
    for r in routes:
        out.setdefault(r["carer"], []).append(r)
    return out


def timeline(plan, names: dict[int, str], off: dict | None = None) -> Timeline:
    """One row per carer on duty: the shifts, then travel, waiting, each visit, the breaks and
    the handovers of a lunch round; ``off`` (carer -> minutes away) draws recorded absences."""
    routes = plan.routes or []
    lo = min([r["shift_start"] for r in routes] or [7 * 60])
    hi = max([max(r["shift_end"], r["end"]) for r in routes] or [19 * 60])
    lo, hi = math.floor(lo / 60) * 60, math.ceil(hi / 60) * 60
    scale = (WIDTH - LEFT - 10) / max(hi - lo, 60)

    def x(t: float) -> float:
        return round(LEFT + (t - lo) * scale, 1)

    def w(minutes: float) -> float:
        return round(minutes * scale, 1)

    rows = []
    for n, pieces in enumerate(by_carer(routes).values()):
        row = Row(pieces[0]["name"], 24 + n * ROW, colour(n))
        for r in pieces:
            kind = "round" if r.get("meal") else "shift"
            row.bars.append(Bar(x(r["shift_start"]), w(r["shift_end"] - r["shift_start"]), kind,
                                _("lunch round") if r.get("meal") else ""))  # fmt: skip
        for r in pieces:
            _stops(row, r, x, w, names)
        for a, b in (off or {}).get((pieces[0]["kind"], pieces[0]["id"]), []):
            a, b = max(a, lo), min(b, hi)
            if b > a:
                row.bars.append(Bar(x(a), w(b - a), "off", f"{_('Absences and lateness')} "
                                                           f"{hhmm(a)}–{hhmm(b)}"))  # fmt: skip
        rows.append(row)
    ticks = [(x(t), hhmm(t)) for t in range(int(lo), int(hi) + 1, 60)]
    return Timeline(rows, ticks, WIDTH, 34 + len(rows) * ROW)


def _stops(row: Row, r: dict, x, w, names) -> None:
    for stop in r["stops"]:
        visit_id, _carer, start, end, travel = stop[:5]
        wait = stop[5] if len(stop) > 5 else 0
        arrive = start - wait
        if travel:
            row.bars.append(Bar(x(arrive - travel), w(travel), "travel"))
        if wait:
            row.bars.append(Bar(x(arrive), w(wait), "wait"))
        title = f"{names.get(visit_id, visit_id)} {hhmm(start)}–{hhmm(end)}"
        row.bars.append(Bar(x(start), max(w(end - start), 2), "visit", title))
    for start, length in r["breaks"]:
        row.bars.append(Bar(x(start), w(length), "break", hhmm(start)))


@dataclass
class Route:
    colour: str
    points: str
    label: str


@dataclass
class RouteMap:
    routes: list[Route]
    homes: list[tuple[float, float, str]]
    stops: list[tuple[float, float, str]]
    station: tuple[float, float]
    width: int = 640
    height: int = 420


def route_map(plan) -> RouteMap:
    """Every route from the carer's start through its visits and back, on a flat projection of
    the coordinates (a station's area is a few km: longitude scaled by cos(latitude))."""
    station = db.session.get(Station, plan.station_id)
    visits = {v.id: v for v in db.session.query(Visit).filter(
        Visit.id.in_({a.visit_id for a in plan.assignments} | {u.visit_id for u in plan.unassigned}))}  # fmt: skip
    base = (station.latitude, station.longitude)

    def place(v: Visit) -> tuple[float, float]:
        r = v.resident
        return (r.latitude, r.longitude) if r.latitude is not None else base

    homes = {}
    for r in plan.routes or []:
        found = db.session.get(Caregiver, r["id"]) if r["kind"] == "caregiver" else None
        has_home = found is not None and found.home_latitude is not None
        homes[r["carer"]] = (found.home_latitude, found.home_longitude) if has_home else base
    points = [base, *homes.values(), *(place(v) for v in visits.values())]
    project = _projection(points, 640, 420)
    out = RouteMap([], [], [], project(base))
    for n, pieces in enumerate(by_carer(plan.routes or []).values()):
        stops = sorted(
            (s for r in pieces for s in r["stops"] if s[0] in visits), key=lambda s: s[2]
        )
        if not stops:
            continue
        home = homes[pieces[0]["carer"]]
        xy = [project(p) for p in (home, *(place(visits[s[0]]) for s in stops), home)]
        out.routes.append(Route(colour(n), " ".join(f"{a},{b}" for a, b in xy), pieces[0]["name"]))
        out.homes.append((*xy[0], colour(n)))
    served = {a.visit_id for a in plan.assignments}
    for v in visits.values():
        out.stops.append((*project(place(v)), "served" if v.id in served else "unserved"))
    return out


def _projection(points, width: int, height: int, pad: int = 24):
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def project(p) -> tuple[float, float]:
        x = pad + (p[1] - min(lons)) * squeeze * scale
        y = height - pad - (p[0] - min(lats)) * scale
        return round(x, 1), round(y, 1)

    return project


LOAD_BAR = 160  # px of the longest working day in the load table


def load(plan) -> list[dict]:
    """Per carer: visits, service, travel and overtime minutes summed over their routes (meal
    rounds included), with bar widths against the busiest carer, so an uneven day shows."""
    rows: dict[tuple[str, int], dict] = {}
    for r in plan.routes or []:
        row = rows.setdefault((r["kind"], r["id"]), {"name": r["name"], "visits": 0,
                                                     "service": 0, "travel": 0, "overtime": 0})  # fmt: skip
        row["visits"] += len(r.get("stops") or [])
        for key in ("service", "travel", "overtime"):
            row[key] += int(r.get(key) or 0)
    busiest = max((r["service"] + r["travel"] for r in rows.values()), default=0) or 1
    for row in rows.values():
        row["service_w"] = round(LOAD_BAR * row["service"] / busiest)
        row["travel_w"] = round(LOAD_BAR * row["travel"] / busiest)
    return sorted(rows.values(), key=lambda r: -(r["service"] + r["travel"]))
