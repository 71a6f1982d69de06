"""Spreadsheet import: a 5,000-resident ledger previewed and imported, on SQLite and PostgreSQL.

    python bench/imports.py [--rows 5000] [--databases sqlite,postgresql]
        [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--out bench/results/imports.csv]

The ledger is generated from a fixed seed, the way stations keep it (title lines above the header,
no station column, phones with dashes, a level without a date, a totals line). Each database is
fresh: a temporary SQLite file, or a throw-away PostgreSQL database created and dropped here. The
preview runs first (it writes nothing), then the import (every row, committed once). Figures are
wall times of the engine call from the file's bytes to the result; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20261201
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "桂兰", "玉兰", "淑珍", "凤英", "建国", "国庆", "德明", "志强", "文华", "丽华"]
HEADER = ["序号", "老人姓名", "性别", "身份证号码", "家庭住址", "手机号", "紧急联系人", "联系方式",
          "能力评估等级", "居住情况", "类别"]  # fmt: skip
REGIONS = ["320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115"]


def ledger(rows: int, seed: int = SEED) -> bytes:
    """A station's roster as CSV (UTF-8 with BOM), ``rows`` residents with distinct ID numbers."""
    from carehub.registry.idnumbers import compose_id_number

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["五台山社区居家养老服务对象花名册"])
    writer.writerow(["填报单位：五台山社区居家养老服务站"])
    writer.writerow(HEADER)
    seen: set[str] = set()
    for n in range(1, rows + 1):
        number = ""
        while not number or number in seen:
            sex = rng.choice("MF")
            born = date(1930 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28))
            number = compose_id_number(rng.choice(REGIONS), born, rng.randrange(1, 999), sex)
        seen.add(number)
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        writer.writerow([
            n, rng.choice(SURNAMES) + rng.choice(GIVEN), "男" if sex == "M" else "女", number,
            f"鼓楼区宁海路{rng.randrange(1, 200)}号{rng.randrange(1, 30)}栋",
            f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", rng.choice(SURNAMES) + "明",
            f"139 {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}", str(rng.randrange(5)),
            rng.choice(["独居", "空巢", "与子女同住"]), rng.choice(["", "低保", "优抚、低保"]),
        ])  # fmt: skip
    writer.writerow(["合计", f"{rows}人"])
    return out.getvalue().encode("utf-8-sig")


def run_one(url: str, data: bytes) -> dict:
    """Fresh schema, one station and coordinator; time the preview, then the import."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from carehub import create_app
    from carehub.auth.models import User
    from carehub.auth.services import create_user
    from carehub.extensions import db
    from carehub.imports import engine
    from carehub.registry.models import Community, District, Resident, Station, Street

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "CAREHUB_ARGON2_TIME_COST": 1, "CAREHUB_ARGON2_MEMORY_KIB": 1024})  # fmt: skip
    with app.app_context():
        upgrade()
        street = Street(district=District(code="320106", name="鼓楼区", city="南京市"),
                        code="320106001", name="华侨路街道")  # fmt: skip
        community = Community(street=street, code="320106001001", name="五台山社区")
        db.session.add(Station(code="GL-01", name="五台山站", street=street, community=community,
                               latitude=32.05, longitude=118.77))  # fmt: skip
        db.session.commit()
        user_id = create_user("bench", "bench-password", "coordinator", ["GL-01"]).id
        coordinator = db.session.get(User, user_id)
        started, cpu = time.perf_counter(), time.process_time()
        preview = engine.preview(coordinator, "residents", "花名册.csv", data)
        preview_s, preview_cpu = time.perf_counter() - started, time.process_time() - cpu
        db.session.remove()
        coordinator = db.session.get(User, user_id)
        started, cpu = time.perf_counter(), time.process_time()
        result = engine.import_(coordinator, "residents", "花名册.csv", data)
        import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
        stored = db.session.scalar(select(func.count()).select_from(Resident))
        db.session.remove()
        db.engine.dispose()
    return {"rows": preview.total, "valid": preview.valid, "preview_s": preview_s,
            "preview_cpu_s": preview_cpu, "import_s": import_s, "import_cpu_s": import_cpu,
            "stored": stored, "imported": len(result.created_ids)}  # fmt: skip


def pg_database(admin_url: str, action: str, url: str | None = None) -> str:
    args = [sys.executable, str(ROOT / "scripts" / "pgdb.py"), action, admin_url]
    out = subprocess.run([*args, *([url] if url else [])], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr.strip() or "pgdb failed")
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "imports.csv"))
    args = parser.parse_args(argv)
    data = ledger(args.rows)
    results = []
    for database in args.databases.split(","):
        load = os.getloadavg()[0]
        if database == "sqlite":
            folder = tempfile.mkdtemp(prefix="carehub-bench-")
            figures = run_one(f"sqlite:///{folder}/bench.db", data)
        else:
            url = pg_database(args.pg_admin_url, "create")
            try:
                figures = run_one(url, data)
            finally:
                pg_database(args.pg_admin_url, "drop", url)
        results.append({"database": database, "load_avg": load, **figures})
        print(database, {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()})
    write(results, Path(args.out), len(data))
    return 0


def write(results: list[dict], out: Path, size: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["database", "rows", "valid", "preview_s", "preview_cpu_s", "import_s",
              "import_cpu_s", "ms_per_row", "stored", "load_avg"]  # fmt: skip
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fields, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            ms = 1000 * max(r["preview_s"], r["import_s"]) / max(r["rows"], 1)
            seconds = {k: f"{r[k]:.2f}" for k in fields if k.endswith("_s")}
            writer.writerow({**r, **seconds, "ms_per_row": f"{ms:.2f}"})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# Spreadsheet import: a station ledger of residents",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared). CSV of {size // 1024} KB; preview then import, each the "
        "engine call from the file's bytes to the result.",
        "",
        "Wall time, and in brackets this process's CPU time (the database server's is not in it);",
        "the load average before each run shows how busy the shared machine was.",
        "",
        "| database | rows | valid | preview s (CPU) | import s (CPU) | stored | load avg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(f"| {r['database']} | {r['rows']} | {r['valid']} | "
                     f"{r['preview_s']:.2f} ({r['preview_cpu_s']:.2f}) | "
                     f"{r['import_s']:.2f} ({r['import_cpu_s']:.2f}) | {r['stored']} | "
                     f"{r['load_avg']:.1f} |")  # fmt: skip
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
