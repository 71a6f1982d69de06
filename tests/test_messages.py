"""Every message a service or a schema refuses input with is marked for translation.

Pages show a refusal in the reader's language and the API in English, both from one lazy message;
nothing is translated afterwards by matching English text. A message written as a plain string or
an f-string would reach a Chinese page in English, so the source is searched for one.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "carehub"
# The argument that carries the message, by what is raised (CareHubError's family: the first).
MESSAGE_AT = {"field": 1, "InvalidIdentifier": 1, "NotNormal": 1, "refuse": 1, "coded": 1}
RAISED = {"CareHubError", "Invalid", "NotFound", "Forbidden", "Conflict", "ValidationError"}
# Answers only the API gives (a page never shows them): English by design.
API_ONLY = {"api"}


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _plain(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    ):
        return True
    return isinstance(node, ast.List) and any(_plain(e) for e in node.elts)


def _plain_messages(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        if name not in RAISED and name not in MESSAGE_AT:
            continue
        at = MESSAGE_AT.get(name, 0)
        if len(node.args) > at and _plain(node.args[at]):
            found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_no_service_or_schema_refuses_in_plain_english():
    paths = [p for p in ROOT.rglob("*.py") if p.stem not in API_ONLY and "scheduler" not in p.parts]
    found = [f"{path.parent.name}/{hit}" for path in sorted(paths) for hit in _plain_messages(path)]
    assert found == []


def test_the_check_finds_a_plain_message(tmp_path):
    """The search above would see the mistakes it is there for."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'raise Invalid.field("name", f"no name {x}")\n'
        'raise ValidationError("must be after start", "end")\n'
        'raise NotFound(_l("No %(what)s."), code="not_found")\n',
        encoding="utf-8",
    )
    assert [h.split()[-1] for h in _plain_messages(sample)] == ["field", "ValidationError"]
