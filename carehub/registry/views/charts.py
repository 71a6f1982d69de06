"""A small server-rendered chart of ability level over time (no JavaScript, no library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 14, 12, 26
LEVELS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    day: date
    level: int


@dataclass(frozen=True)
class LevelChart:
    width: int
    height: int
    points: list[Point]
    ticks: list[tuple[float, int]]  # (y, level)
    left: int
    right: float
    bottom: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def level_y(level: int) -> float:
    """Level 0 (intact) at the top, 4 (completely impaired) at the bottom: a decline reads as a fall."""
    return TOP + (HEIGHT - TOP - BOTTOM) * level / 4


def ability_chart(assessments) -> LevelChart | None:
    """Chart geometry for assessments (any order); x is proportional to the date."""
    dated = sorted(assessments, key=lambda a: (a.assessed_on, a.id or 0))
    if not dated:
        return None
    first, last = dated[0].assessed_on, dated[-1].assessed_on
    span = (last - first).days
    inner = WIDTH - LEFT - RIGHT
    points = []
    for a in dated:
        share = (a.assessed_on - first).days / span if span else 0.5
        points.append(Point(LEFT + inner * share, level_y(a.level), a.assessed_on, a.level))
    ticks = [(level_y(level), level) for level in LEVELS]
    return LevelChart(WIDTH, HEIGHT, points, ticks, LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM)
