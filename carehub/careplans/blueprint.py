"""The care plan and visit pages' blueprint; ``views`` and ``editor`` add its routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("careplans", __name__)
