"""`${{NAME}}` template variables: finding them, checking where they may appear, substituting.

Substitution works on parsed string values, never on YAML text, so Windows paths survive.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)

SUBSTITUTED = (
    "DATE",
    "DATETIME",
    "USER",
    "USER_ID",
    "REPO_DIR",
    "CONFIG_DIR",
    "SOURCE_CONFIG",
    "GIT_BRANCH",
    "GIT_REMOTE",
    "GIT_TAG",
)
VERSION_TOKENS = ("LATEST", "MAJOR", "MINOR", "PATCH")
RUN_ID = "RUN_ID"
SUPPORTED = (*SUBSTITUTED, "DATETIME-<fmt>", RUN_ID, *VERSION_TOKENS)

LOCAL_TOKEN_REFUSAL = (
    "${{LOCAL_TOKEN}} is not supported: the working config is hashed, kept and may be published, "
    "so a token must never be written into it"
)
LOCAL_TOKEN_HINT = (
    "scripts read the local registry token from the FDP_LOCAL_TOKEN environment variable"
)


class Role(Enum):
    """What a string value is, which decides the templates it may hold."""

    TEXT = "text"
    VERSION = "version"  # a version spec: tokens allowed, alone
    WRITE_NAME = "write_name"  # a write item's data_product or use.data_product: RUN_ID allowed


@dataclass(frozen=True)
class TemplateRef:
    name: str  # canonical: stripped of surrounding spaces
    start: int
    end: int


class TemplateProblem(Exception):
    def __init__(self, message: str, suggestion: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


def find_templates(text: str) -> list[TemplateRef]:
    """Every `${{...}}` in `text`; raises TemplateProblem for an unterminated or nested one."""
    refs = []
    for match in _TEMPLATE.finditer(text):
        inner = match.group(1)
        if "${{" in inner:
            raise TemplateProblem("a `${{` is not closed by `}}` before the next template")
        refs.append(TemplateRef(inner.strip(), match.start(), match.end()))
    if "${{" in _TEMPLATE.sub("", text):
        raise TemplateProblem("a `${{` is not closed by `}}`")
    return refs


def check_templates(text: str, role: Role) -> None:
    """Raise TemplateProblem if `text` holds a template that is unknown or misplaced for `role`."""
    refs = find_templates(text)
    for ref in refs:
        _check_name(ref.name)
        if ref.name in VERSION_TOKENS:
            if role is not Role.VERSION:
                raise TemplateProblem(
                    f"${{{{{ref.name}}}}} is a version token: use it as a version"
                )
            if len(refs) > 1 or text.strip() != text[ref.start : ref.end].strip():
                raise TemplateProblem(
                    f"${{{{{ref.name}}}}} must be the whole version, not mixed with other text",
                    "use a literal pattern like 0.${{DATE}}.0, or the token alone",
                )
        if ref.name == RUN_ID and role is not Role.WRITE_NAME:
            raise TemplateProblem(
                "${{RUN_ID}} is allowed only in a write item's data_product or use.data_product",
                "the language API replaces it with the code run's uuid when it registers an output",
            )


def _check_name(name: str) -> None:
    if name == "LOCAL_TOKEN":
        raise TemplateProblem(LOCAL_TOKEN_REFUSAL, LOCAL_TOKEN_HINT)
    if name in ("BUILD", "PRERELEASE"):
        raise TemplateProblem(
            f"${{{{{name}}}}} is not supported: fdp bumps versions only with "
            "${{MAJOR}}, ${{MINOR}} or ${{PATCH}}",
            "give an exact version such as 1.2.3-rc.1 instead",
        )
    if name.startswith("DATETIME-"):
        fmt = name[len("DATETIME-") :]
        if not fmt or re.search(r"[\s${}]", fmt):
            raise TemplateProblem(
                f"bad ${{{{DATETIME-<fmt>}}}} format {fmt!r}: it must be a non-empty strftime "
                "format without spaces, `$`, `{` or `}`",
                "for example ${{DATETIME-%Y%m%d%H%M}}",
            )
        return
    if name in SUBSTITUTED or name in VERSION_TOKENS or name == RUN_ID:
        return
    close = difflib.get_close_matches(name.upper(), [*SUBSTITUTED, RUN_ID, *VERSION_TOKENS], n=1)
    suggestion = f"did you mean ${{{{{close[0]}}}}}?" if close else ""
    raise TemplateProblem(
        f"unknown template variable ${{{{{name}}}}}; supported: "
        + ", ".join(f"${{{{{n}}}}}" for n in SUPPORTED),
        suggestion,
    )


def substitute(text: str, value_of: Callable[[str], str]) -> str:
    """`text` with every substituted variable replaced by `value_of(name)`.

    Version tokens and RUN_ID are kept, in canonical spelling (`${{ RUN_ID }}` becomes
    `${{RUN_ID}}`, the exact string pyDataPipeline replaces). `value_of` may raise
    TemplateProblem, e.g. for ${{GIT_BRANCH}} on a detached HEAD.
    """
    pieces = []
    last = 0
    for ref in find_templates(text):
        pieces.append(text[last : ref.start])
        kept = ref.name in VERSION_TOKENS or ref.name == RUN_ID
        pieces.append(f"${{{{{ref.name}}}}}" if kept else value_of(ref.name))
        last = ref.end
    pieces.append(text[last:])
    return "".join(pieces)


def has_templates(text: str) -> bool:
    return "${{" in text
