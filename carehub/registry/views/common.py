"""Helpers every registry page uses: the acting account, error pages, list arguments."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from carehub.auth.models import User
from carehub.common.errors import Forbidden, Invalid, NotFound
from carehub.extensions import db
from carehub.ui import label


def actor() -> User:
    """The logged-in account; services decide what it may see and change."""
    return current_user._get_current_object()


def guarded(view: Callable) -> Callable:
    """Show a service's NotFound or Forbidden as the 404 or 403 page, in the page's language.

    Another station's record is reported as not found, so its existence leaks nothing.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except NotFound:
            db.session.rollback()
            abort(404)
        except Forbidden:
            db.session.rollback()
            abort(403)

    return wrapper


def may(roles: frozenset[str]) -> bool:
    """Whether the account's role may write; used only to hide buttons (services enforce)."""
    return current_user.is_authenticated and current_user.role in roles


def list_args(keys: tuple[str, ...]) -> dict[str, str]:
    """The filters in the query string that a list understands, blanks left out."""
    return {k: v.strip() for k in keys if (v := request.args.get(k, "")).strip()}


def discard_changes() -> None:
    """Forget whatever a refused service call left in the session before showing the form again."""
    db.session.rollback()


def paged(list_fn: Callable, args: dict):
    """A page from a list service; filters a hand-edited query string got wrong are dropped, named.

    Returns (page, the filters used, messages about the dropped ones).
    """
    try:
        return list_fn(actor(), args), args, []
    except Invalid as err:
        problems = [
            _("%(field)s: %(message)s", field=label("field", k), message=m[0])
            for k, m in err.errors.items()
        ]
        args = {k: v for k, v in args.items() if k not in err.errors}
        return list_fn(actor(), args), args, problems
