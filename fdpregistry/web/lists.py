"""The home page and the list pages: data products (search, namespace filter, cursor pages),
code runs, namespaces and authors. Each answers its template and what the template shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from fdpregistry.web.layout import PREFIX
from fdpregistry.web.queries import (
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
from fdpregistry.web.render import Link, Table, page_url, product_label, query, table, when

Page = tuple[str, dict[str, Any]]  # a template's name, and its context


def home(conn: Connection) -> Page:
    runs = table(
        ("run", "when", "by", "description"),
        (
            (Link(page_url("code_run", r["id"]), f"code run {r['id']}"), when(r["run_date"]),
             r["username"], r["description"])
            for r in recent_runs(conn)
        ),
        "No code runs yet.",
    )  # fmt: skip
    tiles = [(label, f"{number:,}") for label, number in counts(conn)]
    return "home.html", {"counts": tiles, "runs": runs, "namespaces": _namespace_table(conn)}


def _namespace_table(conn: Connection) -> Table:
    return table(
        ("namespace", "full name", "data products"),
        (
            (Link(page_url("namespace", n["id"]), n["name"]), n["full_name"], n["products"])
            for n in namespaces(conn)
        ),
        "No namespaces yet.",
    )


def namespace_list(conn: Connection) -> Page:
    return "listing.html", {"listing": _namespace_table(conn), "paged": False}


def product_list(conn: Connection, search: ProductSearch, visible: bool) -> Page:
    page = product_page(conn, search, visible)
    rows = product_rows(conn, [int(r["id"]) for r in page.rows])
    listing = table(
        ("data product", "namespace", "description", "updated"),
        (
            (
                Link(page_url("data_product", r["id"]), product_label(r["namespace"], r["name"],
                                                                       r["version"])),
                Link(query(f"{PREFIX}/data_product/", {"namespace": r["namespace"]}),
                     r["namespace"]),
                r["description"],
                when(r["last_updated"]),
            )
            for r in rows
        ),
        "No data products match.",
    )  # fmt: skip
    return "product_list.html", {
        "search": search,
        "namespace_names": namespace_names(conn),
        "found": f"{page.count:,}",
        "visible": visible,
        "listing": listing,
        "previous": _products_url(search, page.previous_cursor),
        "following": _products_url(search, page.next_cursor),
    }


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


def run_list(conn: Connection, cursor: str) -> Page:
    page = run_page(conn, cursor)
    listing = table(
        ("run", "when", "description"),
        (
            (Link(page_url("code_run", r["id"]), f"code run {r['id']}"), when(r["run_date"]),
             r["description"])
            for r in page.rows
        ),
        "No code runs yet.",
    )  # fmt: skip
    return "listing.html", {
        "listing": listing,
        "paged": True,
        "previous": _cursor_url("code_run", page.previous_cursor),
        "following": _cursor_url("code_run", page.next_cursor),
    }


def author_list(conn: Connection, cursor: str) -> Page:
    page = author_page(conn, cursor)
    listing = table(
        ("author", "identifier"),
        (
            (Link(page_url("author", r["id"]), r["name"] or f"author {r['id']}"), r["identifier"])
            for r in page.rows
        ),
        "No authors yet.",
    )
    return "listing.html", {
        "listing": listing,
        "paged": True,
        "previous": _cursor_url("author", page.previous_cursor),
        "following": _cursor_url("author", page.next_cursor),
    }


def _cursor_url(kind: str, cursor: str | None) -> str | None:
    return query(f"{PREFIX}/{kind}/", {"cursor": cursor}) if cursor else None
