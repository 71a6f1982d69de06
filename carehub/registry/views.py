"""Registry pages for coordinators and administrators."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("registry", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("registry.residents"))


@bp.get("/residents")
@login_required
def residents():
    return render_template("registry/placeholder.html")


@bp.get("/caregivers")
@login_required
def caregivers():
    return render_template("registry/placeholder.html")


@bp.get("/volunteers")
@login_required
def volunteers():
    return render_template("registry/placeholder.html")


@bp.get("/providers")
@login_required
def providers():
    return render_template("registry/placeholder.html")
