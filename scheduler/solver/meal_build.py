"""A first plan for meal rounds: trips filled nearest-meal-first, deliverer by deliverer.

OR-Tools' pickup-and-delivery search finds few rounds by itself on a crowded lunch (17 of 325
meals at the street centre in 30 s, bench/results/station-day-1500-*); this construction
serves what it can in milliseconds and the search starts from it. A deliverer goes to the
kitchen it reaches first that still has meals it can take, leaves when the earliest of them can
be at its door as its window opens, and fills the bag with the meal it can hand over soonest
that keeps every constraint: the window, the ride time since collection, the capacity and the
way back within the shift. Travel comes from the same matrices the search uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.model import MealRounds

SLACK = 1e-3  # minutes added to every leg, so the plan holds when re-checked in floating point


@dataclass
class _Trip:
    kitchen: str
    leave: float
    drops: list[tuple[int, float]]  # (meal index, handover start)


def build_rounds(rounds: MealRounds, minutes: dict[str, np.ndarray], reachable: list[int]):
    """Per deliverer, the trips (kitchen, time of collection, [(meal, handover)]).

    ``minutes[mode]`` is the travel matrix over the places of ``solve_meals`` (deliverer i's
    start and end at 2i, 2i+1; meal j's kitchen and door at 2d + 2j, 2d + 2j + 1)."""
    d = len(rounds.deliverers)
    left = set(reachable)
    plan: list[list[_Trip]] = [[] for _ in range(d)]
    order = sorted(range(d), key=lambda i: rounds.deliverers[i].shifts[0].start_time)
    for i in order:
        plan[i] = _deliverer_trips(rounds, minutes, i, left)
    return plan


def _deliverer_trips(rounds: MealRounds, minutes, i: int, left: set[int]) -> list[_Trip]:
    c = rounds.deliverers[i]
    t, shift, d = minutes[c.travel_mode], c.shifts[0], len(rounds.deliverers)
    here, now, trips = 2 * i, shift.start_time, []
    while left:
        trip = _best_trip(rounds, t, i, d, here, now, left)
        if trip is None:
            break
        trips.append(trip)
        left.difference_update(j for j, _ in trip.drops)
        last, at = trip.drops[-1]
        here, now = 2 * d + 2 * last + 1, at + rounds.meals[last].handover
    return trips


def _best_trip(rounds, t, i: int, d: int, here: int, now: float, left: set[int]) -> _Trip | None:
    """The trip from the kitchen reached first that can take at least one meal."""
    by_kitchen: dict[str, list[int]] = {}
    for j in left:
        by_kitchen.setdefault(rounds.meals[j].kitchen, []).append(j)
    tries = []
    for kitchen, meals in by_kitchen.items():
        node = 2 * d + 2 * meals[0]  # every meal of a kitchen is collected at its location
        tries.append((now + t[here, node] + SLACK, kitchen, node, sorted(meals)))
    for arrive, kitchen, node, meals in sorted(tries):
        trip = _fill(rounds, t, i, d, node, kitchen, max(arrive, rounds.kitchen(kitchen).ready),
                     meals)  # fmt: skip
        if trip is not None:
            return trip
    return None


def _fill(rounds, t, i: int, d: int, node: int, kitchen: str, ready: float, meals: list[int]):
    c = rounds.deliverers[i]
    shift, cap = c.shifts[0], c.capacity if c.capacity is not None else len(meals)
    door = {j: 2 * d + 2 * j + 1 for j in meals}
    opening = min(rounds.meals[j].window.start - t[node, door[j]] - SLACK for j in meals)
    leave = max(ready, opening)
    drops: list[tuple[int, float]] = []
    taken: set[int] = set()
    here, now = node, leave
    while len(drops) < cap:
        best = None
        for j in meals:
            m = rounds.meals[j]
            if j in taken:
                continue
            at = max(now + t[here, door[j]] + SLACK, m.window.start)
            home = at + m.handover + t[door[j], 2 * i + 1] + SLACK
            fits = at <= m.window.end and at - leave <= m.max_ride and home <= shift.latest_end
            if fits and (best is None or at < best[1]):
                best = (j, at)
        if best is None:
            break
        drops.append(best)
        taken.add(best[0])
        here, now = door[best[0]], best[1] + rounds.meals[best[0]].handover
    return _Trip(kitchen, leave, drops) if drops else None
