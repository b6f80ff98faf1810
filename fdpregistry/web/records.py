"""The pages of one record: a data product (with its provenance graph), a code run, an author,
a namespace. Each answers its title, template and what the template shows; None when the record
does not exist, and raises `Private` when an anonymous visitor asks for a private one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection, RowMapping, Select, select
from sqlalchemy import Table as SqlTable
from sqlmodel import Session

from fdpregistry.lineage import object_authors, record
from fdpregistry.models import table_named
from fdpregistry.privacy import object_is_private, private_object_clause
from fdpregistry.settings import RegistrySettings
from fdpregistry.web import graph as provenance_graph
from fdpregistry.web.layout import PREFIX
from fdpregistry.web.queries import (
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
from fdpregistry.web.render import (
    Code,
    Link,
    Note,
    Parts,
    Table,
    file_url,
    page_url,
    product_label,
    query,
    table,
    when,
)
from fdpregistry.web.rerun import rerun_fields

_ISSUE_LINKS = table_named("object_component_issues")
_ISSUES = table_named("issue")
_KEY_VALUES = table_named("key_value")
_INPUTS = table_named("code_run_inputs")
_OUTPUTS = table_named("code_run_outputs")
_REPOS = table_named("code_repo_release")
_AUTHOR_LINKS = table_named("object_authors")
_USER_AUTHORS = table_named("user_author")


class Private(Exception):
    """An anonymous visitor asked for a private record."""


Page = tuple[str, str, dict[str, Any]]  # its title, template, and the template's context
Fields = list[tuple[str, object]]


def data_product(
    session: Session, product_id: int, depth: int, visible: bool, settings: RegistrySettings
) -> Page | None:
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
    file_type = row(conn, table_named("file_type"), obj["file_type_id"] or 0)
    summary: Fields = [
            ("namespace", Link(page_url("namespace", namespace["id"]), ns)),
            ("name", name),
            ("version", version),
            ("description", obj["description"]),
            ("file type", f"{file_type['name']} (.{file_type['extension']})" if file_type else ""),
            ("updated", Parts((when(product["last_updated"]), " by ",
                               username(conn, product["updated_by_id"])))),
            ("record", Link(f"/api/data_product/{product_id}/", "JSON")),
    ]  # fmt: skip
    return (
        product_label(ns, name, version),
        "data_product.html",
        {
            "summary": summary,
            "file": _file_fields(stored, ns, name, version),
            "downloads": _downloads(product_id),
            "graph": _graph(session, product_id, obj["id"], depth, visible),
            "versions": _versions(conn, product, visible),
            "authors": _authors(session, obj["id"]),
            "issues": _issues(conn, obj["id"]),
            "key_values": _key_values(conn, obj["id"]),
            "readers": _readers(conn, obj["id"]),
        },
    )


def _file_fields(stored: StoredFile | None, ns: str, name: str, version: str) -> Fields | None:
    if stored is None:
        return None
    size = f"{stored.size:,} bytes" if stored.size is not None else "unknown (not stored here)"
    return [
        ("location", stored.address),
        ("size", size),
        ("SHA-1", Code(stored.sha1)),
        ("download", Link(file_url(ns, name, version), "download the file")),
    ]


def _downloads(product_id: int) -> list[Link]:
    prov = f"/api/prov-report/{product_id}/"
    formats = (("json", "PROV-JSON"), ("provn", "PROV-N"), ("xml", "PROV-XML"),
               ("json-ld", "PROV-O JSON-LD"))  # fmt: skip
    links = [Link(query(prov, {"format": f}), label) for f, label in formats]
    crate = f"/api/ro-crate/data-product/{product_id}/"
    return [
        *links,
        Link(crate, "RO-Crate metadata"),
        Link(query(crate, {"format": "zip"}), "RO-Crate zip"),
    ]


@dataclass(frozen=True)
class GraphView:
    """The provenance section: the depth chooser (each depth, and its address unless it is the
    one shown), and the drawing, or the DOT text with why it is not drawn."""

    depths: list[tuple[int, str | None]]
    empty: bool = False  # no code run wrote the product
    svg: Markup | None = None  # sanitised by `graph.sanitise_svg`
    warning: str = ""
    source: str = ""
    truncated: int | None = None  # the node limit, when the graph reached it


def _graph(
    session: Session, product_id: int, object_id: int, depth: int, visible: bool
) -> GraphView:
    graph = provenance_graph.provenance(session, object_id, depth, visible)
    depths = [
        (d, None if d == depth else query(page_url("data_product", product_id), {"depth": d}))
        for d in range(1, provenance_graph.MAX_DEPTH + 1)
    ]
    if not graph.edges:
        return GraphView(depths, empty=True)
    source = provenance_graph.dot_source(graph)
    try:
        svg = provenance_graph.draw_svg(source)
    except provenance_graph.DrawingFailed as error:
        why = f"Graphviz could not draw the graph ({error})."
        return GraphView(depths, warning=why, source=source)
    truncated = provenance_graph.MAX_NODES if graph.truncated else None
    if svg is None:
        why = (
            "Graphviz (dot) is not installed where the registry runs, so the graph is not "
            "drawn; its DOT text follows (install graphviz to see it drawn)."
        )
        return GraphView(depths, warning=why, source=source, truncated=truncated)
    return GraphView(depths, svg=Markup(svg), truncated=truncated)


def _versions(conn: Connection, product: RowMapping, visible: bool) -> Table:
    same = select(PRODUCTS.c.id, PRODUCTS.c.version, PRODUCTS.c.last_updated).where(
        PRODUCTS.c.namespace_id == product["namespace_id"], PRODUCTS.c.name == product["name"]
    )
    if not visible:
        same = same.where(~private_object_clause(PRODUCTS.c.object_id))
    rows = conn.execute(same.order_by(PRODUCTS.c.id)).mappings().all()
    return table(
        ("version", "updated"),
        ((Link(page_url("data_product", r["id"]), r["version"]), when(r["last_updated"]))
         for r in rows),
    )  # fmt: skip


def _authors(session: Session, object_id: int) -> list[Link]:
    obj = record(session, "object", object_id)
    authors = object_authors(session, obj) if obj else []
    return [
        Link(page_url("author", a.id or 0), a.name or a.identifier or f"author {a.id}")
        for a in authors
    ]


def _issues(conn: Connection, object_id: int) -> Table:
    found = (
        select(_ISSUES.c.severity, _ISSUES.c.description, COMPONENTS.c.name)
        .join(_ISSUE_LINKS, _ISSUE_LINKS.c.issue_id == _ISSUES.c.id)
        .join(COMPONENTS, COMPONENTS.c.id == _ISSUE_LINKS.c.component_id)
        .where(COMPONENTS.c.object_id == object_id)
        .order_by(_ISSUES.c.severity.desc(), _ISSUES.c.id)
    )
    rows = conn.execute(found).all()
    return table(("severity", "component", "issue"), ((r[0], r[2], r[1]) for r in rows))


def _key_values(conn: Connection, object_id: int) -> Table:
    found = select(_KEY_VALUES.c.key, _KEY_VALUES.c.value).where(
        _KEY_VALUES.c.object_id == object_id
    )
    return table(("key", "value"), conn.execute(found.order_by(_KEY_VALUES.c.key)).all())


def _readers(conn: Connection, object_id: int) -> Table:
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


def _run_table(rows: Sequence[RowMapping]) -> Table:
    return table(
        ("run", "when", "description"),
        ((Link(page_url("code_run", r["id"]), f"code run {r['id']}"), when(r["run_date"]),
          r["description"]) for r in rows),
    )  # fmt: skip


# --- code runs ---------------------------------------------------------------------------------


def code_run(session: Session, run_id: int, visible: bool) -> Page | None:
    conn = session.connection()
    run = row(conn, RUNS, run_id)
    if run is None:
        return None
    summary: Fields = [
            ("description", run["description"]),
            ("run", when(run["run_date"])),
            ("run by", _runner(conn, run["updated_by_id"])),
            ("uuid", run["uuid"]),
            ("code repo", _code_repo(conn, run["code_repo_id"], visible)),
            ("model config", _object_ref(conn, run["model_config_id"], visible)),
            ("submission script", _object_ref(conn, run["submission_script_id"], visible)),
            ("record", Link(f"/api/code_run/{run_id}/", "JSON")),
            ("RO-Crate", Link(f"/api/ro-crate/code-run/{run_id}/", "metadata")),
    ]  # fmt: skip
    return (
        f"Code run {run_id}",
        "code_run.html",
        {
            "summary": summary,
            "inputs": _components(conn, run_id, _INPUTS, visible),
            "outputs": _components(conn, run_id, _OUTPUTS, visible),
            "uuid": run["uuid"],
            "last_rerun": rerun_fields(conn, run["uuid"]),
        },
    )


def _runner(conn: Connection, user_id: int) -> object:
    name = username(conn, user_id)
    author = conn.execute(
        select(AUTHORS.c.id, AUTHORS.c.name)
        .join(_USER_AUTHORS, _USER_AUTHORS.c.author_id == AUTHORS.c.id)
        .where(_USER_AUTHORS.c.user_id == user_id)
    ).first()
    if author is None:
        return name
    return Parts((name, " (", Link(page_url("author", author[0]), author[1]), ")"))


def _code_repo(conn: Connection, object_id: int | None, visible: bool) -> object:
    if object_id is None:
        return None
    release = conn.execute(select(_REPOS).where(_REPOS.c.object_id == object_id)).mappings().first()
    ref = _object_ref(conn, object_id, visible)
    if release is None:
        return ref
    website = Link(release["website"], release["website"]) if _is_web(release["website"]) else ""
    return Parts((release["name"], " ", release["version"], " ", website, " ", ref))


def _is_web(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))


def _object_ref(conn: Connection, object_id: int | None, visible: bool) -> object:
    """A data product link for an object that is one, else its stored file's address."""
    if object_id is None:
        return None
    if not visible and object_is_private(conn, object_id):
        return Note("a private item")
    product = products_of_objects(conn, [object_id]).get(object_id)
    if product is not None:
        label = product_label(product["namespace"], product["name"], product["version"])
        return Link(page_url("data_product", product["id"]), label)
    obj = row(conn, OBJECTS, object_id)
    stored = stored_file(conn, obj["storage_location_id"] if obj else None, _NO_SETTINGS)
    text = stored.address if stored else (obj["description"] if obj else None)
    return Parts(
        (text or f"object {object_id}", " (", Link(f"/api/object/{object_id}/", "JSON"), ")")
    )


_NO_SETTINGS = RegistrySettings(shared=True)  # sizes are not needed for references


@dataclass(frozen=True)
class Components:
    """A code run's inputs or outputs: those shown, and how many private ones are not."""

    listing: Table
    hidden: int


def _components(conn: Connection, run_id: int, through: SqlTable, visible: bool) -> Components:
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
    return Components(listing, len(rows) - len(shown))


# --- authors and namespaces ----------------------------------------------------------------------


def author(conn: Connection, author_id: int, visible: bool) -> Page | None:
    found = row(conn, AUTHORS, author_id)
    if found is None:
        return None
    products = (
        select(PRODUCTS.c.id)
        .join(_AUTHOR_LINKS, _AUTHOR_LINKS.c.object_id == PRODUCTS.c.object_id)
        .where(_AUTHOR_LINKS.c.author_id == author_id)
    )
    identifier = found["identifier"]
    summary: Fields = [
        ("name", found["name"]),
        ("identifier", Link(identifier, identifier) if _is_web(identifier) else identifier),
        ("uuid", found["uuid"]),
        ("record", Link(f"/api/author/{author_id}/", "JSON")),
    ]
    title = found["name"] or identifier or f"Author {author_id}"
    context = {"summary": summary, "products": _newest_products(conn, products, visible)}
    return str(title), "record.html", context


def namespace(conn: Connection, namespace_id: int, visible: bool) -> Page | None:
    found = row(conn, NAMESPACES, namespace_id)
    if found is None:
        return None
    products = select(PRODUCTS.c.id).where(PRODUCTS.c.namespace_id == namespace_id)
    website = found["website"]
    summary: Fields = [
        ("full name", found["full_name"]),
        ("website", Link(website, website) if _is_web(website) else website),
        ("all its data products",
         Link(query(f"{PREFIX}/data_product/", {"namespace": found["name"]}), "search")),
        ("record", Link(f"/api/namespace/{namespace_id}/", "JSON")),
    ]  # fmt: skip
    context = {"summary": summary, "products": _newest_products(conn, products, visible)}
    return str(found["name"]), "record.html", context


def _newest_products(conn: Connection, products: Select[Any], visible: bool) -> Table:
    """The newest 100 of `products` (a select of product ids); an anonymous visitor's without
    the private ones."""
    if not visible:
        products = products.where(~private_object_clause(PRODUCTS.c.object_id))
    products = products.order_by(PRODUCTS.c.id.desc()).limit(100)
    return _product_table(conn, [int(i) for i in conn.execute(products).scalars()])


def _product_table(conn: Connection, product_ids: list[int]) -> Table:
    return table(
        ("data product", "description", "updated"),
        ((Link(page_url("data_product", r["id"]),
               product_label(r["namespace"], r["name"], r["version"])),
          r["description"], when(r["last_updated"]))
         for r in product_rows(conn, product_ids)),
    )  # fmt: skip
