"""Flatten a Problem into the integer arrays OR-Tools needs.

Each visit becomes one task per carer (a node); each caregiver shift becomes one vehicle.
Times are multiplied by ``scale`` and travel rounded up, so integer feasibility implies float
feasibility. Costs are in ``COST_UNIT`` x scale units per objective unit, so fractional
weights survive the rounding.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scheduler.model import Caregiver, Location, Problem, Shift, Visit
from scheduler.travel import distance_matrix, time_matrix

COST_UNIT = 100
AssignmentCost = Callable[[Visit, int, Caregiver], float]


@dataclass(frozen=True)
class Task:
    visit: int  # index in problem.visits
    carer: int  # 0, or 1 for the second carer
    node: int


@dataclass(frozen=True)
class Vehicle:
    caregiver: int  # index in problem.caregivers
    shift: int
    start_node: int
    end_node: int


class Compiled:
    """Nodes: depots first (one per distinct shift place), then one per task."""

    def __init__(
        self,
        problem: Problem,
        scale: int,
        seed: int = 0,
        assignment_cost: AssignmentCost | None = None,
    ) -> None:
        self.problem = problem
        self.scale = scale
        self.cost_scale = COST_UNIT * scale
        places: list[Location] = []
        self.vehicles = self._vehicles(problem, places)
        self.n_depots = len(places)
        self.tasks = self._tasks(problem, len(places), seed)
        places += [problem.visits[t.visit].location for t in self.tasks]
        self.places = places
        self.n_nodes = len(places)
        self.task_of_node = {t.node: t for t in self.tasks}
        self.nodes_of_visit: dict[int, list[int]] = {}
        for t in self.tasks:
            self.nodes_of_visit.setdefault(t.visit, []).append(t.node)
        self.dist = distance_matrix(problem.travel, places)
        modes = sorted({c.travel_mode for c in problem.caregivers})
        self.time = {m: time_matrix(problem.travel, places, m) for m in modes}
        self.service = np.zeros(self.n_nodes)
        for t in self.tasks:
            self.service[t.node] = problem.visits[t.visit].duration_of(t.carer)
        self.allowed = [self._allowed(t) for t in self.tasks]
        self.assignment_cost = assignment_cost
        self.horizon = self._horizon()

    @staticmethod
    def _vehicles(problem: Problem, places: list[Location]) -> list[Vehicle]:
        index: dict[Location, int] = {}

        def node(loc: Location) -> int:
            if loc not in index:
                index[loc] = len(places)
                places.append(loc)
            return index[loc]

        out = []
        for ci, c in enumerate(problem.caregivers):
            for k, s in enumerate(c.shifts):
                out.append(Vehicle(ci, k, node(s.start), node(s.end)))
        return out

    @staticmethod
    def _tasks(problem: Problem, first: int, seed: int) -> list[Task]:
        pairs = [(vi, k) for vi, v in enumerate(problem.visits) for k in range(v.carers)]
        if seed:
            random.Random(seed).shuffle(pairs)
        return [Task(vi, k, first + n) for n, (vi, k) in enumerate(pairs)]

    def _allowed(self, task: Task) -> list[int]:
        """Vehicles that may serve a task: skills, sex, exclusions, pins, capacity."""
        v = self.problem.visits[task.visit]
        need = v.skills_of(task.carer)
        pin = v.pinned_caregivers[task.carer] if task.carer < len(v.pinned_caregivers) else None
        out = []
        for k, veh in enumerate(self.vehicles):
            c = self.problem.caregivers[veh.caregiver]
            ok = (
                need <= c.skills
                and (v.sex_preference is None or c.sex == v.sex_preference)
                and c.id not in v.excluded_caregivers
                and (pin is None or c.id == pin)
                and (c.capacity is None or v.demand <= c.capacity)
            )
            if ok:
                out.append(k)
        return out

    def _horizon(self) -> float:
        shifts = [s for c in self.problem.caregivers for s in c.shifts]
        visits = self.problem.visits
        latest = max([s.latest_end for s in shifts] + [v.latest + v.duration for v in visits])
        if any(v.windows[-1].soft for v in visits):
            # a late visit can start no later than after every other visit and trip
            longest = max((float(t.max(initial=0)) for t in self.time.values()), default=0.0)
            latest += float(self.service.sum()) + len(self.tasks) * longest
        return latest

    # integer conversions -------------------------------------------------------------------
    def t(self, minutes: float) -> int:
        """Minutes to integer time units (rounded to nearest: used for bounds)."""
        return int(round(minutes * self.scale))

    def cost(self, value: float) -> int:
        """Objective units to integer cost units."""
        return int(round(value * self.cost_scale))

    def coef(self, per_minute: float) -> int:
        """Per-minute weight to a coefficient applied to integer time units."""
        return int(round(per_minute * COST_UNIT))

    def transit_matrix(self, mode: str) -> list[list[int]]:
        """service(i) + travel(i, j), rounded up, for the time dimension."""
        m = np.ceil((self.time[mode] + self.service[:, None]) * self.scale - 1e-9)
        return m.astype(np.int64).tolist()

    def travel_cost_matrix(self, mode: str) -> list[list[int]]:
        w = self.problem.weights.travel * self.cost_scale
        return np.rint(self.time[mode] * w).astype(np.int64).tolist()

    def vehicle_mode(self, k: int) -> str:
        return self.problem.caregivers[self.vehicles[k].caregiver].travel_mode

    def shift(self, k: int) -> Shift:
        veh = self.vehicles[k]
        return self.problem.caregivers[veh.caregiver].shifts[veh.shift]

    def penalty(self, task: Task) -> int:
        v = self.problem.visits[task.visit]
        return max(1, self.cost(self.problem.weights.unassigned_penalty(v) / v.carers))

    def preference_vector(self, k: int) -> list[int] | None:
        """Per-node cost of vehicle k serving it: continuity + caller's assignment cost."""
        w = self.problem.weights.continuity
        c = self.problem.caregivers[self.vehicles[k].caregiver]
        out = [0] * self.n_nodes
        any_cost = False
        for t in self.tasks:
            v = self.problem.visits[t.visit]
            value = w if v.preferred_caregivers and c.id not in v.preferred_caregivers else 0.0
            if self.assignment_cost is not None:
                value += self.assignment_cost(v, t.carer, c)
            if value:
                out[t.node] = self.cost(value)
                any_cost = True
        return out if any_cost else None

    def ceil_t(self, minutes: float) -> int:
        return int(math.ceil(minutes * self.scale - 1e-9))
