"""Travel times and distances between model locations (DESIGN.md §6).

No map service is reachable, so geographic travel is great-circle distance x detour at the
caregiver's speed; a supplied matrix or planar Euclidean distance (benchmarks) replace it.
Everything is vectorised with numpy so a 1,500-visit day builds its matrices in well under a
second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scheduler.model import Location, TravelModel

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(a: Location, b: Location) -> float:
    """Haversine distance between two geographic locations."""
    return float(_haversine(np.array([[a.lat, a.lon]]), np.array([[b.lat, b.lon]]))[0, 0])


def _haversine(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    lat1, lon1 = np.radians(p[:, 0])[:, None], np.radians(p[:, 1])[:, None]
    lat2, lon2 = np.radians(q[:, 0])[None, :], np.radians(q[:, 1])[None, :]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_matrix(travel: TravelModel, places: Sequence[Location]) -> np.ndarray:
    """Distances (km for geo, file units otherwise) between every pair of places."""
    if travel.kind == "geo":
        pts = np.array([[p.lat, p.lon] for p in places], dtype=float).reshape(-1, 2)
        return _haversine(pts, pts) * travel.detour
    if travel.kind == "planar":
        pts = np.array([[p.x, p.y] for p in places], dtype=float).reshape(-1, 2)
        diff = pts[:, None, :] - pts[None, :, :]
        return np.sqrt((diff**2).sum(axis=2))
    source = travel.distances if travel.distances is not None else travel.matrix
    return _take(np.array(source, dtype=float), places)


def time_matrix(travel: TravelModel, places: Sequence[Location], mode: str) -> np.ndarray:
    """Travel minutes between every pair of places for one mode of travel."""
    if travel.kind == "matrix":
        return _take(np.array(travel.matrix, dtype=float), places)
    dist = distance_matrix(travel, places)
    if travel.kind == "planar":
        return dist / travel.planar_speed
    return dist / travel.speed(mode) * 60.0


def _take(full: np.ndarray, places: Sequence[Location]) -> np.ndarray:
    idx = np.array([p.node for p in places], dtype=int)
    return full[np.ix_(idx, idx)]


def travel_minutes(travel: TravelModel, a: Location, b: Location, mode: str) -> float:
    """Minutes from a to b (convenience for explanations and single look-ups)."""
    return float(time_matrix(travel, [a, b], mode)[0, 1])
