"""The database reads of the pages, in SQLAlchemy Core (the read path of the REST API too).

`visible` is False for an anonymous visitor: private objects (`fdpregistry.privacy`) are then
left out of every list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, func, or_, select

from fdpd.store.locations import location_url
from fdpregistry.filters import glob_condition
from fdpregistry.models import User, table_named, table_of
from fdpregistry.pagination import Page, fetch_page
from fdpregistry.privacy import object_is_private, private_object_clause
from fdpregistry.schema import SPECS
from fdpregistry.settings import RegistrySettings
from fdpregistry.special import contained_path, is_inside, local_root_folder

PRODUCTS = table_named("data_product")
NAMESPACES = table_named("namespace")
OBJECTS = table_named("object")
RUNS = table_named("code_run")
USERS = table_of(User)
AUTHORS = table_named("author")
COMPONENTS = table_named("object_component")
LOCATIONS = table_named("storage_location")
ROOTS = table_named("storage_root")
PAGE_SIZE = 100
MATCHES_READ_ONCE = 5000  # ids of a text search's matches kept for its count and page

COUNTED = (
    ("data products", PRODUCTS),
    ("code runs", RUNS),
    ("objects", OBJECTS),
    ("namespaces", NAMESPACES),
    ("authors", AUTHORS),
    ("external objects", table_named("external_object")),
    ("issues", table_named("issue")),
    ("storage roots", ROOTS),
)


@dataclass(frozen=True)
class ProductSearch:
    """The product list's filters: a name glob (fnmatch), text in name or description, a
    namespace name, and the page cursor."""

    name: str = ""
    text: str = ""
    namespace: str = ""
    cursor: str = ""


def counts(conn: Connection) -> list[tuple[str, int]]:
    return [
        (label, int(conn.execute(select(func.count()).select_from(table)).scalar_one()))
        for label, table in COUNTED
    ]


def recent_runs(conn: Connection, limit: int = 10) -> Sequence[RowMapping]:
    query = (
        select(RUNS.c.id, RUNS.c.run_date, RUNS.c.description, USERS.c.username)
        .join(USERS, USERS.c.id == RUNS.c.updated_by_id)
        .order_by(RUNS.c.run_date.desc(), RUNS.c.id.desc())
        .limit(limit)
    )
    return conn.execute(query).mappings().all()


def run_page(conn: Connection, cursor: str) -> Page:
    return fetch_page(conn, SPECS["code_run"], [], [("cursor", cursor)])


def namespaces(conn: Connection) -> Sequence[RowMapping]:
    """Every namespace with its number of data products, by name."""
    counted = (
        select(PRODUCTS.c.namespace_id, func.count().label("products"))
        .group_by(PRODUCTS.c.namespace_id)
        .subquery()
    )
    query = (
        select(NAMESPACES, func.coalesce(counted.c.products, 0).label("products"))
        .outerjoin(counted, counted.c.namespace_id == NAMESPACES.c.id)
        .order_by(NAMESPACES.c.name)
    )
    return conn.execute(query).mappings().all()


def namespace_names(conn: Connection) -> list[str]:
    names = conn.execute(select(NAMESPACES.c.name).order_by(NAMESPACES.c.name)).scalars()
    return [str(name) for name in names]


def author_page(conn: Connection, cursor: str) -> Page:
    return fetch_page(conn, SPECS["author"], [], [("cursor", cursor)])


def product_conditions(conn: Connection, search: ProductSearch) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if search.name:
        conditions.append(glob_condition(conn, PRODUCTS.c.name, search.name))
    if search.namespace:
        named = select(NAMESPACES.c.id).where(NAMESPACES.c.name == search.namespace)
        conditions.append(PRODUCTS.c.namespace_id.in_(named.scalar_subquery()))
    if search.text:
        conditions.append(_text_condition(conn, search.text))
    return conditions


def _text_condition(conn: Connection, text: str) -> ColumnElement[bool]:
    """The text in the product's name or its object's description, ignoring case. SQLite's
    LIKE ignores the case of ASCII letters itself; `lower()` on both sides (what `ilike` is
    there) would double the cost of reading every name and description."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def matches(column: ColumnElement[str]) -> ColumnElement[bool]:
        if conn.dialect.name == "sqlite":
            return column.like(pattern, escape="\\")
        return column.ilike(pattern, escape="\\")

    described = select(OBJECTS.c.id).where(matches(OBJECTS.c.description))
    return or_(matches(PRODUCTS.c.name), PRODUCTS.c.object_id.in_(described.scalar_subquery()))


def product_page(conn: Connection, search: ProductSearch, visible: bool) -> Page:
    """One page of data products, newest first, keyset-paged as the REST list.

    For an anonymous visitor the count is all matches less the private ones: both use indexes,
    where counting the public ones directly would read every product. A text search reads every
    name and description (no index helps `%text%`), so it is done once, for the ids of the
    matches, when they are not too many; the count and the page then read only those.
    """
    conditions = product_conditions(conn, search)
    if search.text:
        matched = _matching_ids(conn, conditions)
        if matched is not None and not matched:
            return Page(0, [], None, None)
        if matched is not None:
            conditions = [PRODUCTS.c.id.in_(matched)]
    count = _count(conn, conditions)
    if not visible:
        private = private_object_clause(PRODUCTS.c.object_id)
        count -= _count(conn, [*conditions, private])
        conditions.append(~private)
    items = [("cursor", search.cursor), ("page_size", str(PAGE_SIZE))]
    return fetch_page(conn, SPECS["data_product"], conditions, items, count)


def _matching_ids(conn: Connection, conditions: list[ColumnElement[bool]]) -> list[int] | None:
    """The ids of the products matching `conditions`, or None when there are more than
    `MATCHES_READ_ONCE` (then each query filters again: its page stops early)."""
    query = select(PRODUCTS.c.id).where(*conditions).limit(MATCHES_READ_ONCE + 1)
    ids = [int(i) for i in conn.execute(query).scalars()]
    return ids if len(ids) <= MATCHES_READ_ONCE else None


def _count(conn: Connection, conditions: list[ColumnElement[bool]]) -> int:
    query = select(func.count()).select_from(PRODUCTS).where(*conditions)
    return int(conn.execute(query).scalar_one())


def product_rows(conn: Connection, product_ids: Sequence[int]) -> Sequence[RowMapping]:
    """Products with their namespace name and description, in the order of `product_ids`."""
    if not product_ids:
        return []
    query = (
        select(
            PRODUCTS.c.id,
            PRODUCTS.c.name,
            PRODUCTS.c.version,
            PRODUCTS.c.last_updated,
            PRODUCTS.c.object_id,
            NAMESPACES.c.name.label("namespace"),
            OBJECTS.c.description,
        )
        .join(NAMESPACES, NAMESPACES.c.id == PRODUCTS.c.namespace_id)
        .join(OBJECTS, OBJECTS.c.id == PRODUCTS.c.object_id)
        .where(PRODUCTS.c.id.in_(product_ids))
    )
    rows = {row["id"]: row for row in conn.execute(query).mappings()}
    return [rows[i] for i in product_ids if i in rows]


def products_of_objects(conn: Connection, object_ids: Sequence[int]) -> dict[int, RowMapping]:
    """object id → one data product of it (with namespace name)."""
    if not object_ids:
        return {}
    query = (
        select(
            PRODUCTS.c.id,
            PRODUCTS.c.name,
            PRODUCTS.c.version,
            PRODUCTS.c.object_id,
            NAMESPACES.c.name.label("namespace"),
        )
        .join(NAMESPACES, NAMESPACES.c.id == PRODUCTS.c.namespace_id)
        .where(PRODUCTS.c.object_id.in_(object_ids))
        .order_by(PRODUCTS.c.id)
    )
    found: dict[int, RowMapping] = {}
    for row in conn.execute(query).mappings():
        found.setdefault(row["object_id"], row)
    return found


def private_objects(conn: Connection, object_ids: Sequence[int]) -> set[int]:
    return {object_id for object_id in set(object_ids) if object_is_private(conn, object_id)}


def row(conn: Connection, table: Any, record_id: int) -> RowMapping | None:
    return conn.execute(select(table).where(table.c.id == record_id)).mappings().first()


def username(conn: Connection, user_id: int) -> str:
    name = conn.execute(select(USERS.c.username).where(USERS.c.id == user_id)).scalar()
    return str(name) if name is not None else f"user {user_id}"


@dataclass(frozen=True)
class StoredFile:
    address: str  # the full URL or path of the stored file
    sha1: str
    size: int | None  # known for files this registry can read


def stored_file(
    conn: Connection, location_id: int | None, settings: RegistrySettings
) -> StoredFile | None:
    if location_id is None:
        return None
    query = (
        select(LOCATIONS.c.path, LOCATIONS.c.hash, ROOTS.c.root)
        .join(ROOTS, ROOTS.c.id == LOCATIONS.c.storage_root_id)
        .where(LOCATIONS.c.id == location_id)
    )
    found = conn.execute(query).first()
    if found is None:
        return None
    path, sha1, root = str(found[0]), str(found[1]), str(found[2])
    return StoredFile(location_url(root, path), sha1, _local_size(root, path, settings))


def _local_size(root: str, path: str, settings: RegistrySettings) -> int | None:
    """The size of a file this registry serves itself (the same rule as its file routes)."""
    folder = local_root_folder(root)
    if folder is None or settings.shared:
        return None
    file_path = contained_path(folder, path)
    if file_path is None or not any(is_inside(file_path, f) for f in settings.served_folders()):
        return None
    try:
        return Path(file_path).stat().st_size
    except OSError:
        return None
