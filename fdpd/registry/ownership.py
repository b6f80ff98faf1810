"""Who may write what in a shared registry (the local registry has one user and skips this).

* A namespace belongs to the user who created it and to the users it is granted to
  (`fdpd registry grant NAMESPACE USER`); only they, or `admin`, create data products in it or
  change its data products and the namespace record itself.
* Any other record may be changed (PUT, PATCH, DELETE) only by the user who last wrote it
  (`updated_by`, who for records nobody else may change is their creator) or by `admin`.
* Anyone with a token may create every other record, as in the reference registry.

Refusals are 403 with a `detail` naming the namespace (and its owners) or the record's owner.
Namespaces created before grants existed belong to their `updated_by` user.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from fdpd.registry.auth import Caller
from fdpd.registry.http import ApiError
from fdpd.registry.links import LinkError, parse_link
from fdpd.registry.management import ADMIN_USERNAME
from fdpd.registry.models import DataProduct, Namespace, NamespaceGrant, User, table_of
from fdpd.registry.schema import TypeSpec

_GRANTS = table_of(NamespaceGrant)
_NAMESPACES = table_of(Namespace)
_PRODUCTS = table_of(DataProduct)
_USERS = table_of(User)


def check_create(conn: Connection, spec: TypeSpec, body: Any, caller: Caller) -> None:
    """Refuse a new data product in a namespace the caller may not write."""
    if spec.name != "data_product" or _is_admin(caller) or not isinstance(body, dict):
        return
    namespace_id = _namespace_id(body.get("namespace"))
    if namespace_id is not None:
        _check_namespace(conn, namespace_id, caller, "create data products in")


def check_change(
    conn: Connection, spec: TypeSpec, current: RowMapping, body: Any, caller: Caller
) -> None:
    """Refuse a PUT, PATCH or DELETE of `current` by anyone but its owner or admin."""
    if _is_admin(caller):
        return
    if spec.name == "namespace":
        _check_namespace(conn, int(current["id"]), caller, "change")
        return
    if spec.name == "data_product":
        _check_namespace(conn, int(current["namespace_id"]), caller, "change data products of")
        target = _namespace_id(body.get("namespace")) if isinstance(body, dict) else None
        if target is not None and target != current["namespace_id"]:
            _check_namespace(conn, target, caller, "move data products into")
        return
    if int(current["updated_by_id"]) != caller.id:
        owner = _username(conn, int(current["updated_by_id"]))
        raise ApiError.detail(
            403,
            f"This {spec.name} record (id {current['id']}) belongs to user {owner!r}; "
            "only they or the admin user may change it.",
        )


def record_creation(conn: Connection, spec: TypeSpec, record_id: int, caller: Caller) -> None:
    """Make the creator of a namespace its owner (committed with the caller's next commit)."""
    if spec.name == "namespace":
        conn.execute(insert(_GRANTS).values(namespace_id=record_id, user_id=caller.id))
        conn.commit()


def grant(conn: Connection, namespace: str, username: str) -> bool:
    """Let `username` write `namespace`; False when they already could. LookupError if unknown."""
    namespace_id = conn.execute(
        select(_NAMESPACES.c.id).where(_NAMESPACES.c.name == namespace)
    ).scalar_one_or_none()
    if namespace_id is None:
        raise LookupError(f"namespace {namespace!r} does not exist")
    user_id = conn.execute(
        select(_USERS.c.id).where(_USERS.c.username == username)
    ).scalar_one_or_none()
    if user_id is None:
        raise LookupError(f"user {username!r} does not exist")
    if user_id in owners(conn, int(namespace_id)):
        return False
    legacy_owner = _legacy_owner(conn, int(namespace_id))
    rows = [{"namespace_id": namespace_id, "user_id": user_id}]
    if legacy_owner is not None:  # granting must not take a namespace from its creator
        rows.append({"namespace_id": namespace_id, "user_id": legacy_owner})
    conn.execute(insert(_GRANTS), rows)
    conn.commit()
    return True


def owners(conn: Connection, namespace_id: int) -> list[int]:
    """Ids of the users who may write a namespace (admin aside)."""
    granted = conn.execute(
        select(_GRANTS.c.user_id)
        .where(_GRANTS.c.namespace_id == namespace_id)
        .order_by(_GRANTS.c.id)
    ).scalars()
    ids = [int(user_id) for user_id in granted]
    if ids:
        return ids
    legacy_owner = _legacy_owner(conn, namespace_id)
    return [legacy_owner] if legacy_owner is not None else []


def _legacy_owner(conn: Connection, namespace_id: int) -> int | None:
    """The `updated_by` of a namespace that has no grants (created before grants existed)."""
    has_grants = conn.execute(
        select(_GRANTS.c.id).where(_GRANTS.c.namespace_id == namespace_id).limit(1)
    ).first()
    if has_grants is not None:
        return None
    owner = conn.execute(
        select(_NAMESPACES.c.updated_by_id).where(_NAMESPACES.c.id == namespace_id)
    ).scalar_one_or_none()
    return int(owner) if owner is not None else None


def _check_namespace(conn: Connection, namespace_id: int, caller: Caller, action: str) -> None:
    allowed = owners(conn, namespace_id)
    if caller.id in allowed:
        return
    name = conn.execute(
        select(_NAMESPACES.c.name).where(_NAMESPACES.c.id == namespace_id)
    ).scalar_one_or_none()
    if name is None:
        return  # validation answers the dangling link
    names = ", ".join(repr(_username(conn, user_id)) for user_id in allowed) or "nobody"
    raise ApiError.detail(
        403,
        f"Namespace {name!r} belongs to {names}; user {caller.username!r} may not {action} it. "
        f"The registry's administrator can grant it (`fdpd registry grant {name} "
        f"{caller.username}`), or use a namespace of your own.",
    )


def _namespace_id(link: Any) -> int | None:
    try:
        return parse_link(link, "namespace")
    except LinkError:
        return None


def _username(conn: Connection, user_id: int) -> str:
    name = conn.execute(select(_USERS.c.username).where(_USERS.c.id == user_id)).scalar()
    return str(name) if name is not None else f"#{user_id}"


def _is_admin(caller: Caller) -> bool:
    return caller.username == ADMIN_USERNAME
