"""Policy pages: versions (admin writes, the bureau reads), the what-if, the eligibility block."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from carehub.common.errors import CareHubError
from carehub.policy import services, sheet, whatif
from carehub.policy.eligibility import of_resident
from carehub.registry.views.common import actor, guarded

bp = Blueprint("policy", __name__)
READERS = frozenset({"admin", "auditor"})


def _reader() -> None:
    if actor().role not in READERS:
        abort(403)


@bp.get("/policy")
@login_required
@guarded
def versions():
    _reader()
    return render_template("policy/versions.html", versions=services.list_versions(actor()),
                           can_write=actor().role == "admin")  # fmt: skip


@bp.get("/policy/<int:version_id>")
@login_required
@guarded
def version(version_id: int):
    _reader()
    return render_template("policy/version.html", v=services.get_version(actor(), version_id),
                           can_write=actor().role == "admin")  # fmt: skip


@bp.get("/policy/<int:version_id>/export.<any(csv, xlsx):fmt>")
@login_required
@guarded
def export(version_id: int, fmt: str):
    data, mimetype, name = sheet.export(actor(), version_id, fmt)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.post("/policy/<int:version_id>/publish")
@login_required
@guarded
def publish(version_id: int):
    try:
        services.publish_version(actor(), version_id)
        flash(_("Published: the version is in force from its first day."), "ok")
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
    return redirect(url_for("policy.version", version_id=version_id))


@bp.post("/policy/<int:version_id>/copy")
@login_required
@guarded
def copy(version_id: int):
    """A new draft with this version's figures and rules, from the dates given."""
    try:
        draft = services.copy_version(actor(), version_id, request.form.to_dict())
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
        return redirect(url_for("policy.version", version_id=version_id))
    return redirect(url_for("policy.version", version_id=draft.id))


@bp.get("/policy/<int:version_id>/what-if")
@login_required
@guarded
def what_if(version_id: int):
    _reader()
    args = {k: v for k, v in request.args.items() if k in ("start", "end") and v}
    try:
        found = services.what_if(actor(), version_id, args)
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
        found = services.what_if(actor(), version_id, {})
    table = whatif.side_by_side(found)
    return render_template("policy/whatif.html", v=services.get_version(actor(), version_id),
                           found=found, table=table, bars=whatif.bars(table["tier"]))  # fmt: skip


def eligibility_block(resident):
    """For the resident page: today's eligibility (None if the account may not see it)."""
    from carehub.careplans.clock import local_today

    try:
        return of_resident(resident, local_today())
    except CareHubError:
        return None


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.add_template_global(eligibility_block, "eligibility_of")
