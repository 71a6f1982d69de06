"""Registry pages for coordinators, administrators and auditors.

Thin, like the API: each page calls the registry services, which hold the rules and the station
scoping. One blueprint; the pages of each domain live in their own module.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

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


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError):
    """A form without a valid token is refused; say how to recover, in the page's language."""
    message = _(
        "The form has expired or did not come from this site. Reload the page and try again."
    )
    return render_template("error.html", code=400, message=message), 400


from carehub.registry.views import providers, residents, staff  # noqa: E402,F401  (routes)
