"""Small HTML building blocks of the pages: links, tables, field lists, pagers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import quote

from fdpd.registry.web.layout import PREFIX
from fdpd.registry.web.markup import Markup, html, join


def link(url: str, text: object) -> Markup:
    return html('<a href="{url}">{text}</a>', url=url, text=text)


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


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str = "None.") -> Markup:
    body = [
        html("<tr>{cells}</tr>", cells=join(html("<td>{v}</td>", v=v) for v in r)) for r in rows
    ]
    if not body:
        return html('<p class="note">{empty}</p>', empty=empty)
    head = join(html("<th>{h}</th>", h=h) for h in headers)
    return html("<table><tr>{head}</tr>{body}</table>", head=head, body=join(body))


def fields(pairs: Iterable[tuple[str, object]]) -> Markup:
    items = join(
        html("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in pairs if v not in (None, "")
    )
    return html('<dl class="fields">{items}</dl>', items=items)


def section(title: str, content: Markup) -> Markup:
    return html("<h2>{title}</h2>{content}", title=title, content=content)


def pager(previous: str | None, following: str | None) -> Markup:
    parts = []
    if previous:
        parts.append(html('<a rel="prev" href="{u}">← newer</a>', u=previous))
    if following:
        parts.append(html('<a rel="next" href="{u}">older →</a>', u=following))
    return html('<nav class="pager">{parts}</nav>', parts=join(parts))


def bullet_list(items: Iterable[Markup], empty: str = "None.") -> Markup:
    lines = [html("<li>{item}</li>", item=item) for item in items]
    if not lines:
        return html('<p class="note">{empty}</p>', empty=empty)
    return html("<ul>{lines}</ul>", lines=join(lines))
