"""The pages of one record: a data product (with its provenance graph), a code run, an author,
a namespace. Each answers None when the record does not exist and raises `Private` when an
anonymous visitor asks for a private one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, Table, select
from sqlmodel import Session

from fdpd.registry import models as m
from fdpd.registry.lineage import object_authors
from fdpd.registry.models import table_of
from fdpd.registry.privacy import object_is_private, private_object_clause
from fdpd.registry.settings import RegistrySettings
from fdpd.registry.web import graph as provenance_graph
from fdpd.registry.web.layout import PREFIX
from fdpd.registry.web.markup import Markup, html, join, query
from fdpd.registry.web.queries import (
    AUTHORS,
    COMPONENTS,
    NAMESPACES,
    OBJECTS,
    PRODUCTS,
    RUNS,
    StoredFile,
    private_objects,
    product_rows,
    products_of_objects,
    row,
    stored_file,
    username,
)
from fdpd.registry.web.render import (
    bullet_list,
    fields,
    file_url,
    link,
    page_url,
    product_label,
    section,
    table,
    when,
)
from fdpd.registry.web.rerun import rerun_section

_ISSUE_LINKS = table_of(m.ComponentIssue)
_ISSUES = table_of(m.Issue)
_KEY_VALUES = table_of(m.KeyValue)
_INPUTS = table_of(m.CodeRunInput)
_OUTPUTS = table_of(m.CodeRunOutput)
_REPOS = table_of(m.CodeRepoRelease)
_AUTHOR_LINKS = table_of(m.ObjectAuthor)
_USER_AUTHORS = table_of(m.UserAuthor)


class Private(Exception):
    """An anonymous visitor asked for a private record."""


def data_product(
    session: Session, product_id: int, depth: int, visible: bool, settings: RegistrySettings
) -> tuple[str, Markup] | None:
    conn = session.connection()
    product = row(conn, PRODUCTS, product_id)
    if product is None:
        return None
    if not visible and object_is_private(conn, product["object_id"]):
        raise Private
    namespace = row(conn, NAMESPACES, product["namespace_id"])
    obj = row(conn, OBJECTS, product["object_id"])
    assert namespace is not None and obj is not None
    ns, name, version = namespace["name"], product["name"], product["version"]
    stored = stored_file(conn, obj["storage_location_id"], settings)
    file_type = row(conn, table_of(m.FileType), obj["file_type_id"] or 0)
    summary = fields(
        [
            ("namespace", link(page_url("namespace", namespace["id"]), ns)),
            ("name", name),
            ("version", version),
            ("description", obj["description"]),
            ("file type", f"{file_type['name']} (.{file_type['extension']})" if file_type else ""),
            ("updated", html("{t} by {u}", t=when(product["last_updated"]),
                             u=username(conn, product["updated_by_id"]))),
            ("record", link(f"/api/data_product/{product_id}/", "JSON")),
        ]
    )  # fmt: skip
    parts = [
        summary,
        section("File", _file_section(stored, ns, name, version)),
        section("Downloads", _downloads(product_id)),
        section("Provenance", _graph_section(session, product_id, obj["id"], depth, visible)),
        section("Versions", _versions(conn, product, visible)),
        section("Authors", _authors(session, obj["id"])),
        section("Issues", _issues(conn, obj["id"])),
        section("Key values", _key_values(conn, obj["id"])),
        section("Read by code runs", _readers(conn, obj["id"])),
    ]
    return product_label(ns, name, version), join(parts)


def _file_section(stored: StoredFile | None, ns: str, name: str, version: str) -> Markup:
    if stored is None:
        return html('<p class="note">No file is stored for this data product.</p>')
    size = f"{stored.size:,} bytes" if stored.size is not None else "unknown (not stored here)"
    return fields(
        [
            ("location", stored.address),
            ("size", size),
            ("SHA-1", html("<code>{h}</code>", h=stored.sha1)),
            ("download", link(file_url(ns, name, version), "download the file")),
        ]
    )


def _downloads(product_id: int) -> Markup:
    prov = f"/api/prov-report/{product_id}/"
    formats = (("json", "PROV-JSON"), ("provn", "PROV-N"), ("xml", "PROV-XML"),
               ("json-ld", "PROV-O JSON-LD"))  # fmt: skip
    links = [link(query(prov, {"format": f}), label) for f, label in formats]
    crate = f"/api/ro-crate/data-product/{product_id}/"
    links += [
        link(crate, "RO-Crate metadata"),
        link(query(crate, {"format": "zip"}), "RO-Crate zip"),
    ]
    return html("<p>{links}</p>", links=join(links, " · "))


def _graph_section(
    session: Session, product_id: int, object_id: int, depth: int, visible: bool
) -> Markup:
    graph = provenance_graph.provenance(session, object_id, depth, visible)
    depths = join(
        (
            html("<b>{d}</b>", d=d)
            if d == depth
            else link(query(page_url("data_product", product_id), {"depth": d}), d)
            for d in range(1, provenance_graph.MAX_DEPTH + 1)
        ),
        " ",
    )  # a list of Markup: `join` leaves each as it is
    chooser = html("<p>Depth (code-run levels back): {depths}</p>", depths=depths)
    if not graph.edges:
        return html('{c}<p class="note">No code run wrote this data product.</p>', c=chooser)
    source = provenance_graph.dot_source(graph)
    try:
        svg = provenance_graph.draw_svg(source)
    except provenance_graph.DrawingFailed as error:
        return join([chooser, _dot_text(f"Graphviz could not draw the graph ({error}).", source)])
    truncated = html('<p class="note">The graph stops at {n} nodes.</p>',
                     n=provenance_graph.MAX_NODES) if graph.truncated else ""  # fmt: skip
    if svg is None:
        drawn = _dot_text(
            "Graphviz (dot) is not installed where the registry runs, so the graph is not "
            "drawn; its DOT text follows (install graphviz to see it drawn).",
            source,
        )
    else:
        drawn = html('<div class="graph">{svg}</div>', svg=Markup.trusted(svg))
    return join([chooser, truncated, drawn])


def _dot_text(why: str, source: str) -> Markup:
    return html('<p class="warning">{why}</p><pre>{source}</pre>', why=why, source=source)


def _versions(conn: Connection, product: RowMapping, visible: bool) -> Markup:
    same = select(PRODUCTS.c.id, PRODUCTS.c.version, PRODUCTS.c.last_updated).where(
        PRODUCTS.c.namespace_id == product["namespace_id"], PRODUCTS.c.name == product["name"]
    )
    if not visible:
        same = same.where(~private_object_clause(PRODUCTS.c.object_id))
    rows = conn.execute(same.order_by(PRODUCTS.c.id)).mappings().all()
    return table(
        ("version", "updated"),
        ((link(page_url("data_product", r["id"]), r["version"]), when(r["last_updated"]))
         for r in rows),
    )  # fmt: skip


def _authors(session: Session, object_id: int) -> Markup:
    obj = session.get(m.Object, object_id)
    authors = object_authors(session, obj) if obj else []
    return bullet_list(
        link(page_url("author", a.id or 0), a.name or a.identifier or f"author {a.id}")
        for a in authors
    )


def _issues(conn: Connection, object_id: int) -> Markup:
    found = (
        select(_ISSUES.c.severity, _ISSUES.c.description, COMPONENTS.c.name)
        .join(_ISSUE_LINKS, _ISSUE_LINKS.c.issue_id == _ISSUES.c.id)
        .join(COMPONENTS, COMPONENTS.c.id == _ISSUE_LINKS.c.component_id)
        .where(COMPONENTS.c.object_id == object_id)
        .order_by(_ISSUES.c.severity.desc(), _ISSUES.c.id)
    )
    rows = conn.execute(found).all()
    return table(("severity", "component", "issue"), ((r[0], r[2], r[1]) for r in rows))


def _key_values(conn: Connection, object_id: int) -> Markup:
    found = select(_KEY_VALUES.c.key, _KEY_VALUES.c.value).where(
        _KEY_VALUES.c.object_id == object_id
    )
    return table(("key", "value"), conn.execute(found.order_by(_KEY_VALUES.c.key)).all())


def _readers(conn: Connection, object_id: int) -> Markup:
    found = (
        select(RUNS.c.id, RUNS.c.run_date, RUNS.c.description)
        .join(_INPUTS, _INPUTS.c.code_run_id == RUNS.c.id)
        .join(COMPONENTS, COMPONENTS.c.id == _INPUTS.c.component_id)
        .where(COMPONENTS.c.object_id == object_id)
        .distinct()
        .order_by(RUNS.c.id.desc())
        .limit(100)
    )
    return _run_table(conn.execute(found).mappings().all())


def _run_table(rows: Sequence[RowMapping]) -> Markup:
    return table(
        ("run", "when", "description"),
        ((link(page_url("code_run", r["id"]), f"code run {r['id']}"), when(r["run_date"]),
          r["description"]) for r in rows),
    )  # fmt: skip


# --- code runs ---------------------------------------------------------------------------------


def code_run(session: Session, run_id: int, visible: bool) -> tuple[str, Markup] | None:
    conn = session.connection()
    run = row(conn, RUNS, run_id)
    if run is None:
        return None
    summary = fields(
        [
            ("description", run["description"]),
            ("run", when(run["run_date"])),
            ("run by", _runner(conn, run["updated_by_id"])),
            ("uuid", run["uuid"]),
            ("code repo", _code_repo(conn, run["code_repo_id"], visible)),
            ("model config", _object_ref(conn, run["model_config_id"], visible)),
            ("submission script", _object_ref(conn, run["submission_script_id"], visible)),
            ("record", link(f"/api/code_run/{run_id}/", "JSON")),
            ("RO-Crate", link(f"/api/ro-crate/code-run/{run_id}/", "metadata")),
        ]
    )
    parts = [
        summary,
        section("Inputs", _components(conn, run_id, _INPUTS, visible)),
        section("Outputs", _components(conn, run_id, _OUTPUTS, visible)),
        section("Last rerun", rerun_section(conn, run["uuid"])),
    ]
    return f"Code run {run_id}", join(parts)


def _runner(conn: Connection, user_id: int) -> Markup:
    name = username(conn, user_id)
    author = conn.execute(
        select(AUTHORS.c.id, AUTHORS.c.name)
        .join(_USER_AUTHORS, _USER_AUTHORS.c.author_id == AUTHORS.c.id)
        .where(_USER_AUTHORS.c.user_id == user_id)
    ).first()
    if author is None:
        return html("{name}", name=name)
    return html("{name} ({a})", name=name, a=link(page_url("author", author[0]), author[1]))


def _code_repo(conn: Connection, object_id: int | None, visible: bool) -> Markup:
    if object_id is None:
        return Markup("")
    release = conn.execute(select(_REPOS).where(_REPOS.c.object_id == object_id)).mappings().first()
    ref = _object_ref(conn, object_id, visible)
    if release is None:
        return ref
    website = link(release["website"], release["website"]) if _is_web(release["website"]) else ""
    return html("{n} {v} {w} {ref}", n=release["name"], v=release["version"], w=website, ref=ref)


def _is_web(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))


def _object_ref(conn: Connection, object_id: int | None, visible: bool) -> Markup:
    """A data product link for an object that is one, else its stored file's address."""
    if object_id is None:
        return Markup("")
    if not visible and object_is_private(conn, object_id):
        return html('<span class="note">a private item</span>')
    product = products_of_objects(conn, [object_id]).get(object_id)
    if product is not None:
        label = product_label(product["namespace"], product["name"], product["version"])
        return link(page_url("data_product", product["id"]), label)
    obj = row(conn, OBJECTS, object_id)
    stored = stored_file(conn, obj["storage_location_id"] if obj else None, _NO_SETTINGS)
    text = stored.address if stored else (obj["description"] if obj else None)
    return html("{t} ({j})", t=text or f"object {object_id}",
                j=link(f"/api/object/{object_id}/", "JSON"))  # fmt: skip


_NO_SETTINGS = RegistrySettings(shared=True)  # sizes are not needed for references


def _components(conn: Connection, run_id: int, through: Table, visible: bool) -> Markup:
    found = (
        select(COMPONENTS.c.object_id, COMPONENTS.c.name, COMPONENTS.c.whole_object)
        .join(through, through.c.component_id == COMPONENTS.c.id)
        .where(through.c.code_run_id == run_id)
        .order_by(COMPONENTS.c.id)
    )
    rows = conn.execute(found).all()
    hidden = set() if visible else private_objects(conn, [r[0] for r in rows])
    shown = [r for r in rows if r[0] not in hidden]
    listing = table(
        ("item", "component"),
        ((_object_ref(conn, r[0], True), "whole object" if r[2] else r[1]) for r in shown),
    )
    if hidden:
        note = html('<p class="note">{n} private item(s) not shown.</p>',
                    n=len(rows) - len(shown))  # fmt: skip
        return join([listing, note])
    return listing


# --- authors and namespaces ----------------------------------------------------------------------


def author(conn: Connection, author_id: int, visible: bool) -> tuple[str, Markup] | None:
    found = row(conn, AUTHORS, author_id)
    if found is None:
        return None
    products = (
        select(PRODUCTS.c.id)
        .join(_AUTHOR_LINKS, _AUTHOR_LINKS.c.object_id == PRODUCTS.c.object_id)
        .where(_AUTHOR_LINKS.c.author_id == author_id)
    )
    identifier = found["identifier"]
    summary = fields(
        [
            ("name", found["name"]),
            ("identifier", link(identifier, identifier) if _is_web(identifier) else identifier),
            ("uuid", found["uuid"]),
            ("record", link(f"/api/author/{author_id}/", "JSON")),
        ]
    )
    title = found["name"] or identifier or f"Author {author_id}"
    return str(title), join([summary, _newest_products(conn, products, visible)])


def namespace(conn: Connection, namespace_id: int, visible: bool) -> tuple[str, Markup] | None:
    found = row(conn, NAMESPACES, namespace_id)
    if found is None:
        return None
    products = select(PRODUCTS.c.id).where(PRODUCTS.c.namespace_id == namespace_id)
    website = found["website"]
    summary = fields(
        [
            ("full name", found["full_name"]),
            ("website", link(website, website) if _is_web(website) else website),
            ("all its data products",
             link(query(f"{PREFIX}/data_product/", {"namespace": found["name"]}), "search")),
            ("record", link(f"/api/namespace/{namespace_id}/", "JSON")),
        ]
    )  # fmt: skip
    return str(found["name"]), join([summary, _newest_products(conn, products, visible)])


def _newest_products(conn: Connection, products: Select[Any], visible: bool) -> Markup:
    """The newest 100 of `products` (a select of product ids) as a section; an anonymous
    visitor's without the private ones."""
    if not visible:
        products = products.where(~private_object_clause(PRODUCTS.c.object_id))
    products = products.order_by(PRODUCTS.c.id.desc()).limit(100)
    listing = _product_table(conn, [int(i) for i in conn.execute(products).scalars()])
    return section("Data products (newest 100)", listing)


def _product_table(conn: Connection, product_ids: list[int]) -> Markup:
    return table(
        ("data product", "description", "updated"),
        ((link(page_url("data_product", r["id"]),
               product_label(r["namespace"], r["name"], r["version"])),
          r["description"], when(r["last_updated"]))
         for r in product_rows(conn, product_ids)),
    )  # fmt: skip
