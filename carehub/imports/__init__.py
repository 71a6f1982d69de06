"""The spreadsheet import engine: read a sheet, map its header, check every row, preview, commit.

A domain describes its sheet with a ``Spec`` (columns, cell readers, the service that creates one
record) and ``register``s it; the pages (``/imports/<kind>``) and the API
(``POST /api/v1/imports/<kind>``) then serve it. The registry's specs are in
``carehub/registry/imports.py``.
"""

from carehub.imports.engine import ImportRejected, ImportResult, RowResult, import_, preview
from carehub.imports.spec import Column, Context, Spec, register, spec_for

__all__ = [
    "Column",
    "Context",
    "ImportRejected",
    "ImportResult",
    "RowResult",
    "Spec",
    "import_",
    "preview",
    "register",
    "spec_for",
]
