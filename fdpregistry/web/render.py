"""What the page templates show: the values of cells and fields, and the addresses they link to.

A page's context holds plain values; `templates/macros.html`'s `show` turns each into HTML, so
every text, whatever a record holds, is escaped by Jinja's autoescape. A `Link`, `Note`, `Code`
or `Parts` says which markup of ours surrounds the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from fdpregistry.web.layout import PREFIX


@dataclass(frozen=True)
class Link:
    """`<a href="url">text</a>`."""

    url: str
    text: object


@dataclass(frozen=True)
class Note:
    """`<span class="note">text</span>`: a remark in place of a value."""

    text: str


@dataclass(frozen=True)
class Code:
    """`<code>text</code>`."""

    text: str


@dataclass(frozen=True)
class Strong:
    """`<b>text</b>`: the word a value turns on (a rerun's verdict)."""

    text: str


class Parts(tuple[object, ...]):
    """Values shown one after the other: `Parts(("alice (", Link(...), ")"))`."""


# A page's table: its column headers, rows of values, and what it says when there are none.
@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]]
    empty: str = "None."


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str = "None.") -> Table:
    return Table(tuple(headers), [tuple(r) for r in rows], empty)


def page_url(kind: str, record_id: int) -> str:
    return f"{PREFIX}/{kind}/{record_id}"


def product_label(namespace: str, name: str, version: str) -> str:
    """`namespace:name@version`, as fdpctl writes it."""
    return f"{namespace}:{name}@{version}"


def file_url(namespace: str, name: str, version: str) -> str:
    """The REST API's file route (its own `@v` form)."""
    return "/data_product/" + quote(f"{namespace}:{name}@v{version}", safe="/:@")


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def query(path: str, params: dict[str, str | int | None]) -> str:
    """`path?k=v...` with the non-empty parameters, percent-encoded (escaped again when used)."""
    kept = [(key, str(value)) for key, value in params.items() if value not in (None, "")]
    return f"{path}?{urlencode(kept)}" if kept else path
