"""The home page and the list pages: data products (search, namespace filter, cursor pages),
code runs, namespaces and authors."""

from __future__ import annotations

from sqlalchemy import Connection

from fdpd.registry.web.layout import PREFIX
from fdpd.registry.web.markup import Markup, html, join, query
from fdpd.registry.web.queries import (
    ProductSearch,
    author_page,
    counts,
    namespace_names,
    namespaces,
    product_page,
    product_rows,
    recent_runs,
    run_page,
)
from fdpd.registry.web.render import link, page_url, pager, product_label, section, table, when


def home(conn: Connection) -> Markup:
    tiles = join(
        html("<li><b>{n}</b>{label}</li>", n=f"{number:,}", label=label)
        for label, number in counts(conn)
    )
    runs = table(
        ("run", "when", "by", "description"),
        (
            (link(page_url("code_run", r["id"]), f"code run {r['id']}"), when(r["run_date"]),
             r["username"], r["description"])
            for r in recent_runs(conn)
        ),
        "No code runs yet.",
    )  # fmt: skip
    return join(
        [
            html('<ul class="counts">{tiles}</ul>', tiles=tiles),
            section("Recent code runs", runs),
            section("Namespaces", _namespace_table(conn)),
        ]
    )


def _namespace_table(conn: Connection) -> Markup:
    return table(
        ("namespace", "full name", "data products"),
        (
            (link(page_url("namespace", n["id"]), n["name"]), n["full_name"], n["products"])
            for n in namespaces(conn)
        ),
        "No namespaces yet.",
    )


def namespace_list(conn: Connection) -> Markup:
    return _namespace_table(conn)


_SEARCH_FORM = """<form class="search" method="get" action="{action}">
<label>name (pattern: * ? [abc])<input name="name" value="{name}" placeholder="model/*"></label>
<label>text in name or description<input name="q" value="{text}"></label>
<label>namespace<select name="namespace"><option value="">any</option>{options}</select></label>
<button type="submit">Search</button>
</form>"""


def product_list(conn: Connection, search: ProductSearch, visible: bool) -> Markup:
    page = product_page(conn, search, visible)
    rows = product_rows(conn, [int(r["id"]) for r in page.rows])
    options = join(
        html(
            '<option value="{v}"{sel}>{v}</option>',
            v=name,
            sel=Markup(" selected") if name == search.namespace else "",
        )
        for name in namespace_names(conn)
    )
    form = html(
        _SEARCH_FORM,
        action=f"{PREFIX}/data_product/",
        name=search.name,
        text=search.text,
        options=options,
    )
    listing = table(
        ("data product", "namespace", "description", "updated"),
        (
            (
                link(page_url("data_product", r["id"]), product_label(r["namespace"], r["name"],
                                                                       r["version"])),
                link(query(f"{PREFIX}/data_product/", {"namespace": r["namespace"]}),
                     r["namespace"]),
                r["description"],
                when(r["last_updated"]),
            )
            for r in rows
        ),
        "No data products match.",
    )  # fmt: skip
    found = html('<p class="note">{n} found{hidden}</p>', n=f"{page.count:,}",
                 hidden="" if visible else " (public items only)")  # fmt: skip
    nav = pager(
        _products_url(search, page.previous_cursor), _products_url(search, page.next_cursor)
    )
    return join([form, found, listing, nav])


def _products_url(search: ProductSearch, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params: dict[str, str | int | None] = {
        "name": search.name,
        "q": search.text,
        "namespace": search.namespace,
        "cursor": cursor,
    }
    return query(f"{PREFIX}/data_product/", params)


def run_list(conn: Connection, cursor: str) -> Markup:
    page = run_page(conn, cursor)
    listing = table(
        ("run", "when", "description"),
        (
            (link(page_url("code_run", r["id"]), f"code run {r['id']}"), when(r["run_date"]),
             r["description"])
            for r in page.rows
        ),
        "No code runs yet.",
    )  # fmt: skip
    nav = pager(_cursor_url("code_run", page.previous_cursor),
                _cursor_url("code_run", page.next_cursor))  # fmt: skip
    return join([listing, nav])


def author_list(conn: Connection, cursor: str) -> Markup:
    page = author_page(conn, cursor)
    listing = table(
        ("author", "identifier"),
        (
            (link(page_url("author", r["id"]), r["name"] or f"author {r['id']}"), r["identifier"])
            for r in page.rows
        ),
        "No authors yet.",
    )
    nav = pager(_cursor_url("author", page.previous_cursor),
                _cursor_url("author", page.next_cursor))  # fmt: skip
    return join([listing, nav])


def _cursor_url(kind: str, cursor: str | None) -> str | None:
    return query(f"{PREFIX}/{kind}/", {"cursor": cursor}) if cursor else None
