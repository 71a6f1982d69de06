"""Paged query results, the same envelope for the API and the pages."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from carehub.extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def paginate(query: Select, page: int = 1, per_page: int = 25) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(list(items), total or 0, page, per_page)
