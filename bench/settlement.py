"""Settlement and the what-if for a district's month at DESIGN §7 scale (about 180,000 visits).

    python bench/settlement.py [--databases sqlite,postgresql] [--stations 40]
        [--residents 8000] [--visits 180000] [--providers 20] [--verify 300]
        [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--out bench/results/settlement.csv]

Set-up (not timed as a figure, but reported): a fresh database with the demo policy (DESIGN §3),
``--stations`` stations, ``--residents`` residents (categories and ability levels at the demo's
rates), ``--providers`` providers each contracted at two stations for every service, and a
month of ``--visits`` verified visits with their frozen splits, all written with bulk INSERTs
(the splits computed by ``carehub.policy.split`` with the allowance spent month by month, as
verification would). Timed: ``--verify`` visits verified one at a time through
``visits.states.transition`` (the listener freezing each split, one commit each); drafting every
provider's claim for the month, then drafting again (nothing new); totals and the CSV export of
the largest claim; the what-if of a stricter draft version over the month. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.imports import pg_database  # noqa: E402

SEED = 20261204
MONTH = date(2026, 3, 1)
CATEGORY_RATES = (("sanwu", 0.01), ("wubao", 0.01), ("youfu", 0.03), ("dibao", 0.08),
                  ("low_income", 0.1))  # fmt: skip
SERVICES = (("MEAL", 30, 1, 1500, 30), ("CLEAN", 60, 1, 4000, 60), ("BATH", 60, 2, 6000, 60),
            ("COMPANION", 60, 1, 3000, 60), ("MEDICAL", 45, 1, 5000, 60))  # fmt: skip
WEIGHTS = (45, 25, 8, 14, 8)


def _app(url: str):
    from carehub import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "CAREHUB_ARGON2_TIME_COST": 1, "CAREHUB_ARGON2_MEMORY_KIB": 1024})  # fmt: skip


def setup(args) -> dict:
    """The district, its policy, providers and a verified month, in bulk; see the note."""
    from carehub.auth.services import create_user

    rng = random.Random(SEED)
    admin = create_user("admin", "bench-password", "admin")
    district_id, stations = _network(args)
    version = _policy(admin, district_id)
    providers = _providers(args, stations)
    residents = _residents(rng, args, stations)
    visits = _visits(rng, args, residents)
    _splits(version, visits, residents, providers)
    return {"admin": admin.id, "version": version.id, "residents": residents}


def _network(args):
    from carehub.extensions import db
    from carehub.registry.models import Community, District, Station, Street

    district = District(code="320106", name="鼓楼区", city="南京市")
    street = Street(district=district, code="320106001", name="华侨路街道")
    stations = [Station(code=f"S-{n:02d}", name=f"第{n}站", street=street,
                        community=Community(street=street, code=f"320106001{n:03d}",
                                            name=f"社区{n}"),
                        latitude=32.05, longitude=118.77)
                for n in range(1, args.stations + 1)]  # fmt: skip
    db.session.add_all(stations)
    db.session.commit()
    return district.id, [s.id for s in stations]


def _policy(admin, district_id):
    from carehub.extensions import db
    from carehub.policy.demo import load_policy
    from carehub.policy.models import PolicyVersion

    load_policy(admin, "320106", MONTH)
    db.session.commit()
    return db.session.scalar(db.select(PolicyVersion))


def _providers(args, stations) -> dict:
    """{station_id: (provider_id, {service: (unit price, unit minutes)})}."""
    from carehub.extensions import db
    from carehub.registry.models import Contract, ContractPrice, Provider, Station

    found = {}
    for n in range(args.providers):
        mine = stations[n * 2 : n * 2 + 2] or stations[-1:]
        provider = Provider(name=f"服务商{n}", credit_code=f"BENCH{n:013d}")
        contract = Contract(number=f"C-{n}", valid_from=date(2026, 1, 1),
                            valid_to=date(2026, 12, 31), provider=provider,
                            prices=[ContractPrice(service_code=code, unit_price_fen=price,
                                                  unit_minutes=unit)
                                    for code, _m, _c, price, unit in SERVICES])  # fmt: skip
        db.session.add(contract)
        db.session.flush()
        contract.stations = [db.session.get(Station, s) for s in mine]
        prices = {code: (price, unit) for code, _m, _c, price, unit in SERVICES}
        found.update({s: (provider.id, prices) for s in mine})
    db.session.commit()
    return found


def _residents(rng, args, stations) -> dict:
    from sqlalchemy import insert

    from carehub.careplans.models import ResidentHistory
    from carehub.extensions import db
    from carehub.registry.models import AbilityAssessment, Resident, ResidentCategory

    rows, extra = [], []
    for n in range(args.residents):
        age = min(100, int(rng.triangular(60, 101, 78)))
        categories = [c for c, rate in CATEGORY_RATES if rng.random() < rate]
        level = rng.choices(range(5), (45, 30, 12, 8, 5))[0]
        household = rng.choices(("alone", "empty_nest", "with_family"), (20, 30, 50))[0]
        rows.append({"station_id": stations[n % len(stations)], "name": f"老人{n}",
                     "sex": rng.choice("MF"), "birth_date": MONTH - timedelta(days=365 * age + 100),
                     "id_number_hash": f"bench{n}", "id_number_enc": "-", "id_number_masked": "-",
                     "address": f"鼓楼区{n}号", "household": household, "status": "active"})  # fmt: skip
        extra.append((categories, level, household))
    ids = list(db.session.scalars(
        insert(Resident).returning(Resident.id, sort_by_parameter_order=True), rows))  # fmt: skip
    db.session.execute(insert(ResidentHistory), [
        {"resident_id": i, "valid_from": date(2020, 1, 1), "status": "active", "household": h,
         "categories": sorted(c)} for i, (c, _l, h) in zip(ids, extra, strict=True)])  # fmt: skip
    cats = [{"resident_id": i, "category": c}
            for i, (cs, _l, _h) in zip(ids, extra, strict=True) for c in cs]  # fmt: skip
    if cats:
        db.session.execute(insert(ResidentCategory), cats)
    db.session.execute(insert(AbilityAssessment), [
        {"resident_id": i, "assessed_on": date(2025, 6, 1), "level": lvl, "assessor": "bench",
         "source": "assessment", "notes": ""}
        for i, (_c, lvl, _h) in zip(ids, extra, strict=True)])  # fmt: skip
    db.session.commit()
    return {i: r for i, r in zip(ids, rows, strict=True)}


def _visits(rng, args, residents) -> list[dict]:
    from sqlalchemy import insert

    from carehub.extensions import db
    from carehub.visits.models import Visit

    ids = list(residents)
    funding = ("government", "low_cost", "paid", "time_credit")
    rows = []
    for _ in range(args.visits):
        resident_id = rng.choice(ids)
        code, minutes, carers, _p, _u = rng.choices(SERVICES, WEIGHTS)[0]
        rows.append({"resident_id": resident_id, "station_id": residents[resident_id]["station_id"],
                     "service_code": code, "visit_date": MONTH + timedelta(days=rng.randrange(31)),
                     "window1_start": clock(9), "window1_end": clock(11),
                     "duration_minutes": minutes, "carers": carers,
                     "funding": rng.choices(funding, (60, 25, 12, 3))[0], "source": "request",
                     "state": "verified", "notes": ""})  # fmt: skip
    rows.sort(key=lambda r: r["visit_date"])
    visit_ids = []
    for start in range(0, len(rows), 5000):
        visit_ids += db.session.scalars(
            insert(Visit).returning(Visit.id, sort_by_parameter_order=True),
            rows[start : start + 5000]).all()  # fmt: skip
    db.session.commit()
    for visit_id, row in zip(visit_ids, rows, strict=True):
        row["id"] = visit_id
    return rows


def _splits(version, visits, residents, providers) -> None:
    """Each visit's split as verification freezes it (the allowance spent in date order)."""
    from collections import defaultdict
    from types import SimpleNamespace

    from sqlalchemy import insert

    from carehub.extensions import db
    from carehub.policy.eligibility import decide
    from carehub.policy.funding import tier_of
    from carehub.policy.models import AllowanceMonth, VisitFunding
    from carehub.policy.split import price_fen, split
    from carehub.policy.whatif import _facts, _residents
    from carehub.registry.idnumbers import age_on

    loaded = _residents(set(residents))
    facts_of = _facts(loaded)
    spent = defaultdict(lambda: [0, 0])
    rows = []
    for visit in visits:
        resident = loaded[visit["resident_id"]]
        facts = facts_of(resident, visit["visit_date"])
        eligible, clause, _rule = decide(version, age_on(resident.birth_date, visit["visit_date"]),
                                         facts, visit["service_code"])  # fmt: skip
        tier = tier_of(SimpleNamespace(funding=visit["funding"]), eligible)
        provider_id, prices = providers[visit["station_id"]]
        unit_price, unit = prices[visit["service_code"]]
        price = price_fen(unit_price, unit, visit["duration_minutes"], visit["carers"])
        used = spent[visit["resident_id"]]
        parts = split(tier, price, allowance_left=version.allowance_fen - used[0],
                      share_pct=version.low_cost_share_pct,
                      cap_left=version.low_cost_cap_fen - used[1],
                      minutes=visit["duration_minutes"] * visit["carers"])  # fmt: skip
        used[0] += parts.allowance_fen
        used[1] += parts.low_cost_fen
        rows.append({"visit_id": visit["id"], "kind": "split", "policy_version_id": version.id,
                     "clause": clause, "tier": tier, "provider_id": provider_id,
                     "visit_date": visit["visit_date"], "unit_price_fen": unit_price,
                     "unit_minutes": unit, "reason": "", "created_by": "bench",
                     **vars(parts)})  # fmt: skip
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(VisitFunding), rows[start : start + 5000])
    db.session.execute(insert(AllowanceMonth), [
        {"resident_id": r, "month": MONTH, "allowance_fen": version.allowance_fen,
         "spent_fen": a, "low_cost_cap_fen": version.low_cost_cap_fen, "low_cost_spent_fen": b}
        for r, (a, b) in spent.items()])  # fmt: skip
    db.session.commit()


def _verify(args, residents) -> float:
    """``--verify`` more visits, each verified alone (the listener freezes it), one commit each."""
    from carehub.extensions import db
    from carehub.visits.models import Visit
    from carehub.visits.states import transition

    rng = random.Random(SEED + 1)
    ids = list(residents)
    new = []
    for _ in range(args.verify):
        resident_id = rng.choice(ids)
        new.append(Visit(resident_id=resident_id, station_id=residents[resident_id]["station_id"],
                         service_code="MEAL", visit_date=MONTH + timedelta(days=rng.randrange(31)),
                         window1_start=clock(11), window1_end=clock(12), duration_minutes=30,
                         carers=1, funding="government", source="request", state="completed",
                         notes=""))  # fmt: skip
    db.session.add_all(new)
    db.session.commit()
    started = time.perf_counter()
    for visit in new:
        transition(None, visit, "verified")
        db.session.commit()
    return time.perf_counter() - started


def _settle(admin_id: int) -> dict:
    from sqlalchemy import func, select

    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.registry.models import Provider
    from carehub.settlement import exports, services
    from carehub.settlement.models import Claim, ClaimLine

    providers = db.session.scalars(select(Provider.id).order_by(Provider.id)).all()
    month = f"{MONTH:%Y-%m}"
    timings = {}
    for run in ("draft", "redraft"):
        admin = db.session.get(User, admin_id)
        started = time.perf_counter()
        for provider_id in providers:
            services.draft_claim(admin, {"provider_id": provider_id, "month": month})
        db.session.commit()
        timings[f"{run}_s"] = time.perf_counter() - started
        db.session.remove()
    timings["lines"] = db.session.scalar(select(func.count()).select_from(ClaimLine))
    biggest = db.session.scalar(
        select(ClaimLine.claim_id).group_by(ClaimLine.claim_id)
        .order_by(func.count().desc()).limit(1))  # fmt: skip
    admin = db.session.get(User, admin_id)
    started = time.perf_counter()
    shown = services.show_claim(admin, biggest)
    data = exports.to_csv(shown["lines"])
    timings["biggest_claim_lines"] = len(shown["lines"])
    timings["totals_and_csv_s"] = time.perf_counter() - started
    timings["csv_kb"] = len(data) / 1024
    timings["claims"] = db.session.scalar(select(func.count()).select_from(Claim))
    return timings


def _what_if(admin_id: int, version_id: int) -> dict:
    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.policy import services
    from carehub.policy.models import PolicyVersion

    admin = db.session.get(User, admin_id)
    source = db.session.get(PolicyVersion, version_id)
    strict = {**source.rules, "tiers": [dict(r, min_age=75) if r["tier"] == "government" else r
                                        for r in source.rules["tiers"]]}  # fmt: skip
    draft = services.create_version(admin, {
        "district_id": source.district_id, "name": "测算", "valid_from": "2099-01-01",
        "valid_to": None, "allowance": "500.00", "low_cost_share_pct": 40,
        "low_cost_cap": "300.00", "elder_age": 80, "rules": strict})  # fmt: skip
    db.session.commit()
    started = time.perf_counter()
    found = services.what_if(admin, draft.id, {"start": f"{MONTH}",
                                               "end": f"{MONTH + timedelta(days=30)}"})  # fmt: skip
    return {"what_if_s": time.perf_counter() - started, "what_if_visits": found["visits"],
            "gain": len(found["gain"]), "lose": len(found["lose"])}  # fmt: skip


def run_one(url: str, args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from carehub.extensions import db
    from carehub.policy.models import VisitFunding

    app = _app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        made = setup(args)
        setup_s = time.perf_counter() - started
        splits = db.session.scalar(select(func.count()).select_from(VisitFunding))
        db.session.remove()
        verify_s = _verify(args, made["residents"])
        db.session.remove()
        figures = _settle(made["admin"])
        db.session.remove()
        figures.update(_what_if(made["admin"], made["version"]))
        db.session.remove()
        db.engine.dispose()
    return {"visits": splits, "setup_s": setup_s, "verify_n": args.verify,
            "verify_ms_each": 1000 * verify_s / max(args.verify, 1), **figures}  # fmt: skip


FIELDS = ["database", "visits", "claims", "lines", "setup_s", "verify_n", "verify_ms_each",
          "draft_s", "redraft_s", "biggest_claim_lines", "totals_and_csv_s", "csv_kb",
          "what_if_s", "what_if_visits", "gain", "lose", "load_avg"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--visits", type=int, default=180000)
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--verify", type=int, default=300)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "settlement.csv"))
    args = parser.parse_args(argv)
    results = []
    for database in args.databases.split(","):
        load = os.getloadavg()[0]
        if database == "sqlite":
            folder = tempfile.mkdtemp(prefix="carehub-bench-")
            figures = run_one(f"sqlite:///{folder}/bench.db", args)
        else:
            url = pg_database(args.pg_admin_url, "create")
            try:
                figures = run_one(url, args)
            finally:
                pg_database(args.pg_admin_url, "drop", url)
        row = {"database": database, "load_avg": load, **figures}
        results.append(row)
        print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    write(results, Path(args.out))
    return 0


def write(results: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            writer.writerow({k: f"{v:.2f}" if isinstance(v, float) else v for k, v in r.items()})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# Settlement and the what-if: a district's month",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared with other work (the load average before each run says how "
        "busy). Wall times. Aim: the district's month settled and what-if'd in under 60 s.",
        "",
        "| database | verified visits | claims | lines | set-up s | one verification ms | "
        "draft all claims s | re-draft s | biggest claim: lines, totals+CSV s | what-if s | "
        "gain / lose | load avg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['visits']:,} | {r['claims']} | {r['lines']:,} | "
            f"{r['setup_s']:.1f} | {r['verify_ms_each']:.1f} | {r['draft_s']:.1f} | "
            f"{r['redraft_s']:.1f} | {r['biggest_claim_lines']:,}, {r['totals_and_csv_s']:.1f} | "
            f"{r['what_if_s']:.1f} | {r['gain']} / {r['lose']} | {r['load_avg']:.2f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
