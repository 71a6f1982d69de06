"""The top-level templates/ are found from a checkout, from any working directory, and installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from carehub import create_app, template_folder

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_uses_the_top_level_templates_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert Path(app.template_folder) == ROOT / "templates" == Path(template_folder())
    for name in ("base.html", "registry/residents/list.html", "imports/upload.html"):
        assert app.jinja_env.get_template(name).filename.startswith(str(ROOT / "templates"))


def test_an_installed_copy_ships_and_finds_every_template(tmp_path):
    """What a wheel holds is what build_py copies; run from there, carehub finds its templates."""
    built = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(built)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    wanted = {p.relative_to(ROOT / "templates") for p in (ROOT / "templates").rglob("*.html")}
    shipped = {p.relative_to(built / "carehub_templates") for p in built.rglob("*.html")}
    assert wanted and shipped == wanted
    found = subprocess.run(
        [sys.executable, "-c", "import carehub; print(carehub.template_folder())"],
        cwd=tmp_path, env={"PYTHONPATH": str(built)}, check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert found.stdout.strip() == str(built / "carehub_templates")
