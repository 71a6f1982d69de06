"""Fewest caregivers first when a fixed cost per caregiver is set (hierarchical objective)."""

from __future__ import annotations

from sched_builders import carer, problem, quick, visit

from scheduler.solver import solve


def ring(n: int, **kw):
    """Visits around the office with staggered windows; demand 5 each."""
    out = []
    for i in range(n):
        x, y = (10, 0) if i % 2 else (0, 10)
        lo = 20 * (i // 2)
        out.append(visit(f"v{i}", x * (1 + i % 3), lo, lo + 60, 5, y=y, demand=5, **kw))
    return out


def test_identical_fleet_shrinks_to_the_capacity_bound():
    carers = [carer(f"c{k}", capacity=20) for k in range(6)]
    s = solve(problem(carers, ring(8), caregiver_used=1000.0), quick(100))
    assert s.unassigned == ()
    assert s.used_routes == 2  # 8 visits x 5 units / capacity 20
    assert any(p.startswith("fleet:") for p in s.stats.phases)


def test_skills_use_the_generic_phase_and_still_reach_the_capacity_bound():
    carers = [carer(f"c{k}", capacity=20, skills={"meal"}) for k in range(5)]
    carers.append(carer("no-meals", capacity=20))  # so the identical-fleet phase does not apply
    visits = ring(8, required_skills={"meal"})
    s = solve(problem(carers, visits, caregiver_used=1000.0), quick(100))
    assert s.unassigned == () and s.used_routes == 2
    assert not any("routemin" in p for p in s.stats.phases)


def test_windows_force_a_second_route_and_every_visit_stays_served():
    carers = [carer(f"c{k}") for k in range(4)]
    visits = [visit("east", 50, 60, 70, 5), visit("west", -50, 60, 70, 5)]
    s = solve(problem(carers, visits, caregiver_used=1000.0), quick(50))
    assert s.unassigned == () and s.used_routes == 2


def test_fleet_phase_is_reproducible_under_a_solution_limit():
    carers = [carer(f"c{k}", capacity=20) for k in range(6)]
    p = problem(carers, ring(10), caregiver_used=1000.0)
    runs = [solve(p, quick(60, seed=5)).plan() for _ in range(2)]
    assert runs[0] == runs[1]


def test_route_updates_match_a_full_recompute():
    """Inserting and cutting strings update starts (only as far as they change) and length."""
    import random

    from scheduler.solver import routemin
    from scheduler.solver.compile import Compiled

    carers = [carer(f"c{k}", capacity=200) for k in range(2)]
    data = Compiled(problem(carers, ring(12), caregiver_used=1000.0), 100, 0, None)
    inst = routemin._instance(data)
    rng = random.Random(3)
    route = routemin._Route(inst, [1, 2, 3, 4])
    for _ in range(200):
        free = [c for c in range(1, inst.n + 1) if c not in route.seq]
        if free and (len(route.customers) < 3 or rng.random() < 0.5):
            new = route.inserted(inst, rng.randrange(len(route.seq) - 1), rng.choice(free))
        else:
            size = rng.randint(1, len(route.customers) - 1)
            new = route.without(inst, rng.randint(0, len(route.customers) - size), size)
        full = routemin._Route(inst, new.customers)
        assert (new.a, new.z, new.load) == (full.a, full.z, full.load)
        assert abs(new.length - full.length) < 1e-6
        route = new
