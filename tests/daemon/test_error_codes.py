"""Every error code is a member of the one table (`fdpd.base.error_codes`): one status, one
meaning."""

from __future__ import annotations

import ast
from pathlib import Path

import fdpd
from fdpd.base.error_codes import CODE_TABLE, ErrorCode
from fdpd.base.errors import ERROR_STATUSES, FdpError

FDPD = Path(fdpd.__file__).parent


def _literal_codes(tree: ast.AST) -> list[int]:
    """Lines where a call passes `code=` a string literal, or a class body sets `code = "..."`."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            lines += [
                kw.value.lineno
                for kw in node.keywords
                if kw.arg == "code" and isinstance(kw.value, ast.Constant)
            ]
        if isinstance(node, ast.ClassDef):
            lines += [
                statement.lineno
                for statement in node.body
                if isinstance(statement, ast.Assign)
                and any(getattr(target, "id", None) == "code" for target in statement.targets)
                and isinstance(statement.value, ast.Constant)
            ]
    return sorted(lines)


def test_no_error_code_is_a_bare_string() -> None:
    found = [
        f"{path.relative_to(FDPD.parent)}:{line}"
        for path in sorted([*FDPD.rglob("*.py"), *(FDPD.parent / "fdpregistry").rglob("*.py")])
        for line in _literal_codes(ast.parse(path.read_text(), str(path)))
    ]
    assert found == [], (
        "use an ErrorCode member (fdpd/base/error_codes.py), not a string: " + ", ".join(found)
    )


def test_the_scan_sees_a_bare_string() -> None:
    source = 'raise FdpError("x", code="oops")\nclass E(FdpError):\n    code = "e"\n'
    assert _literal_codes(ast.parse(source)) == [1, 3]


def test_every_code_has_a_status_and_a_meaning() -> None:
    assert set(CODE_TABLE) == set(ErrorCode)
    for code, (status, meaning) in CODE_TABLE.items():
        assert status in ERROR_STATUSES or status == 405, code
        assert meaning.strip(), code


def test_an_error_answers_the_status_of_its_code() -> None:
    error = FdpError("x", code=ErrorCode.EXACTLY_ONE_OF)
    assert (error.status, error.to_json()["error"]["code"]) == (422, "exactly_one_of")
    assert FdpError("x", code=ErrorCode.BAD_REQUEST).status == 400
