"""HTML built so that every value is escaped unless it is already `Markup`.

`html(template, **values)` fills `{name}` fields of a template written in this package; each value
is escaped (`&`, `<`, `>`, `"`, `'`) unless it is `Markup`, which only `html`, `join` and
`Markup.trusted` make. A record's text therefore can never become markup by mistake: a description
holding `<script>` is shown as text.
"""

from __future__ import annotations

import html as _html
import string
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode


class Markup(str):
    """Text that is HTML already (made only by this module's functions)."""

    @classmethod
    def trusted(cls, text: str) -> Markup:
        """Markup from a constant of this package (or from a sanitiser), never from a record."""
        return cls(text)


def escape(value: object) -> Markup:
    """`value` as HTML text; Markup stays as it is, None becomes the empty string."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(_html.escape(str(value), quote=True))


class _EscapingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return escape(format(value, format_spec) if format_spec else value)


_FORMATTER = _EscapingFormatter()


def html(template: str, **values: object) -> Markup:
    """`template` with its `{name}` fields replaced by the escaped `values`."""
    return Markup(_FORMATTER.format(template, **values))


def join(parts: Iterable[object], separator: str = "") -> Markup:
    """The escaped parts, joined by the (constant) separator."""
    return Markup(separator.join(escape(part) for part in parts))


def query(path: str, params: dict[str, str | int | None]) -> str:
    """`path?k=v...` with the non-empty parameters, percent-encoded (escaped again when used)."""
    kept = [(key, str(value)) for key, value in params.items() if value not in (None, "")]
    return f"{path}?{urlencode(kept)}" if kept else path
