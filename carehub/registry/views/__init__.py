"""Registry pages for coordinators, administrators and auditors.

Thin, like the API: each page calls the registry services, which hold the rules and the station
scoping. One blueprint; the pages of each domain live in their own module.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("registry", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "provider_manager":
        return redirect(url_for("registry.caregivers"))
    if current_user.role in ("caregiver", "volunteer"):
        return render_template("registry/welcome.html")
    return redirect(url_for("registry.residents"))


from carehub.registry.views import providers, residents, staff  # noqa: E402,F401  (routes)
