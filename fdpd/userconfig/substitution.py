"""Template substitution of located values, recording problems where they occur."""

from __future__ import annotations

from collections.abc import Callable

from fdpd.userconfig.errors import Failed, ProblemCollector
from fdpd.userconfig.model import Located
from fdpd.userconfig.templates import TemplateProblem, substitute


class Substituter:
    def __init__(self, value_of: Callable[[str], str], problems: ProblemCollector) -> None:
        self._value_of = value_of
        self._problems = problems

    def text(self, value: Located[str]) -> str:
        """The substituted value; records the problem and raises Failed if it cannot be."""
        try:
            return substitute(value.value, self._value_of)
        except TemplateProblem as exc:
            self._problems.add(value.where, exc.message, exc.suggestion)
            raise Failed from exc

    def optional(self, value: Located[str] | None) -> str | None:
        return None if value is None else self.text(value)
