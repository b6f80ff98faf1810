"""Located problems in a user config, and the one error that reports all of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.userconfig.model import Where


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a user config: where it is, what was wrong, what to do."""

    file: str
    line: int  # 1-based; 0 when the problem has no single place (the file as a whole)
    column: int  # 1-based
    key_path: str  # e.g. "write[2].use.version"; "" for the document itself
    message: str
    suggestion: str = ""

    def render(self, hinted: bool = False) -> str:
        """`file:line:column: key: message (suggestion)`; `hinted`: the error's hint already
        says what the suggestion would, so it is left out."""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        key = f" {self.key_path}:" if self.key_path else ""
        text = f"{where}:{key} {self.message}"
        if self.suggestion and not hinted:
            text += f" ({self.suggestion})"
        return text


class ConfigError(FdpError):
    """The user config cannot be used; `problems` lists every problem found, in file order."""

    code = ErrorCode.INVALID_CONFIG

    def __init__(self, problems: Sequence[ConfigProblem], *, hint: str = "") -> None:
        ordered = sorted(problems, key=lambda p: (p.line, p.column))
        self.problems: tuple[ConfigProblem, ...] = tuple(ordered)
        hint = hint or _default_hint(self.problems)
        super().__init__(_render(self.problems, pulling=hint == PULL_HINT), hint=hint)


PULL_HINT = "run `fdpctl pull CONFIG` to fetch missing inputs into the local registry"


def _render(problems: Sequence[ConfigProblem], pulling: bool) -> str:
    """The problems, each once; a suggestion to pull only in the hint (`pulling`), not again
    after every problem."""
    shown = [p.render(hinted=pulling and _asks_to_pull(p)) for p in problems]
    if len(shown) == 1:
        return shown[0]
    return "\n".join([f"{len(problems)} problems in the config:", *(f"  {p}" for p in shown)])


def _default_hint(problems: Sequence[ConfigProblem]) -> str:
    if any(_asks_to_pull(p) for p in problems):
        return PULL_HINT
    return "fix the config and try again; docs/config.md lists every key"


def _asks_to_pull(problem: ConfigProblem) -> bool:
    return "fdpctl pull" in problem.suggestion


class ProblemCollector:
    """Gathers located problems (or warnings) for one config file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[ConfigProblem] = []

    def add(self, where: Where, message: str, suggestion: str = "") -> None:
        self.problems.append(
            ConfigProblem(
                self.filename, where.line, where.column, where.key_path, message, suggestion
            )
        )

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


class Failed(Exception):
    """A problem was recorded in a ProblemCollector; abandon the item being resolved."""
