"""Notices to coordinators and auditors (e.g. an escalated complaint): the header's badge counts
the unread ones, this page lists them and marks them read. Carers read theirs on /my-day."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from carehub.extensions import db
from carehub.notices import services

bp = Blueprint("notices", __name__)
ACCOUNT_ROLES = frozenset({"admin", "auditor", "coordinator"})


@bp.app_context_processor
def _badge() -> dict:
    def unread_count() -> int:
        if not current_user.is_authenticated or current_user.role not in ACCOUNT_ROLES:
            return 0
        return len(services.unread_for(current_user, limit=100))

    return {"unread_notice_count": unread_count}


@bp.get("/notices")
@login_required
def page():
    unread = services.unread_for(current_user, limit=100)
    return render_template("notices/list.html", unread=unread, render_notice=services.render)


@bp.post("/notices/read")
@login_required
def read():
    ids = [int(i) for i in request.form.getlist("notice_id") if i.isdigit()]
    services.mark_read(current_user, ids)
    db.session.commit()
    return redirect(url_for("notices.page"))
