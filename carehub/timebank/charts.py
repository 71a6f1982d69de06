"""Server-rendered bar charts (no script, no CDN): the bars' geometry, drawn by the template."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, BOTTOM, LEFT = 640, 220, 30, 50


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: int
    series: int = 0


def bars(labels: list[str], series: list[list[int]]) -> dict:
    """Grouped bars for ``series`` (each a list aligned with ``labels``), scaled to the tallest."""
    top = max((v for values in series for v in values), default=0) or 1
    slot = (WIDTH - LEFT) / max(len(labels), 1)
    width = slot * 0.8 / max(len(series), 1)
    plot = HEIGHT - BOTTOM - 10
    drawn = []
    for i, label in enumerate(labels):
        for k, values in enumerate(series):
            h = values[i] / top * plot
            drawn.append(Bar(LEFT + i * slot + slot * 0.1 + k * width, HEIGHT - BOTTOM - h,
                             width, h, label, values[i], k))  # fmt: skip
    step = max(1, len(labels) // 10)
    ticks = [(LEFT + i * slot + slot / 2, label) for i, label in enumerate(labels) if i % step == 0]
    return {"width": WIDTH, "height": HEIGHT, "bars": drawn, "ticks": ticks, "top": top,
            "base": HEIGHT - BOTTOM, "left": LEFT}  # fmt: skip
