"""Provider (定点服务单位) pages: who delivers which services, where, and at what price."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template
from flask_babel import get_locale
from flask_login import login_required

from carehub.registry.services import network, providers
from carehub.registry.views import bp
from carehub.registry.views.common import actor, guarded, list_args, paged


@bp.app_template_filter("yuan")
def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals (money is never a float)."""
    if fen is None:
        return "—"
    return f"{(Decimal(fen) / 100).quantize(Decimal('0.01')):,}"


@bp.get("/providers", endpoint="providers")
@login_required
@guarded
def providers_list():
    page, args, problems = paged(providers.list_providers, list_args(("q", "status", "page")))
    return render_template(
        "registry/providers/list.html",
        page=page,
        args=args,
        problems=problems,
    )


@bp.get("/providers/<int:provider_id>")
@login_required
@guarded
def provider(provider_id: int):
    record = providers.get_provider(actor(), provider_id)
    english = str(get_locale()) == "en"
    services = {
        t.code: (t.name_en if english else t.name_zh) for t in network.list_service_types(actor())
    }
    return render_template(
        "registry/providers/detail.html",
        provider=record,
        services=services,
    )
