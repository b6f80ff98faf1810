"""Who may write what in a shared registry (the local registry has one user and skips this).

* A namespace belongs to the user who created it and to the users it is granted to
  (`fdpd registry grant NAMESPACE USER`); only they, or `admin`, create data products in it or
  change its data products and the namespace record itself.
* An object belongs to the user who created it and to the owners of the namespaces of its data
  products. What others see about an object is theirs (and `admin`'s) to say: only they make
  it a data product, add components, key values (`accessibility`), keywords, licences, a code
  repository release or a quality-control mark to it, record it as an output of a code run
  (inputs may be anyone's: using is not making), or add an external object to its data product.
* A user_author row links the caller's own user (only `admin` links others), to an author no
  other user is linked to.
* Issues are the annotations anyone may attach to anyone's object components; they stay their
  writer's, and the owner of a component's object may detach them from it (PATCH the issue with
  `component_issues` lacking their components; the issue stays its writer's).
* Any other record may be changed (PUT, PATCH, DELETE) only by the user who last wrote it
  (`updated_by`, who for records nobody else may change is their creator) or by `admin`.
* Anyone with a token may create every other record, as in the reference registry.

Refusals are 403 with a `detail` naming the namespace (and its owners) or the record's owner.
Namespaces created before grants existed belong to their `updated_by` user. New namespace names
must not be lookalikes of existing ones (`fdpregistry.lookalikes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from fdpregistry.auth import Caller
from fdpregistry.http import ApiError
from fdpregistry.links import LinkError, parse_link
from fdpregistry.management import ADMIN_USERNAME
from fdpregistry.models import NamespaceGrant, User, table_named, table_of
from fdpregistry.schema import TypeSpec
from fdpregistry.statements import chunks
from fdpregistry.writes import commits_held

_COMPONENT_ISSUES = table_named("object_component_issues")
_COMPONENTS = table_named("object_component")
_GRANTS = table_of(NamespaceGrant)
_NAMESPACES = table_named("namespace")
_OBJECTS = table_named("object")
_PRODUCTS = table_named("data_product")
_USER_AUTHORS = table_named("user_author")
_USERS = table_of(User)
_MEMO = "fdp.ownership_memo"

# Records that say something about the object their `object` field names: what the caller would do.
_ABOUT_OBJECT = {
    "data_product": "make a data product of it",
    "object_component": "add components to it",
    "key_value": "add key values (such as accessibility) to it",
    "keyword": "add keywords to it",
    "licence": "add licences to it",
    "code_repo_release": "declare it a code repository release",
    "quality_controlled": "mark it quality controlled",
}
_OWNERS_MAY = "only its owner, the owners of its data products' namespaces and the admin user may"


def check_create(conn: Connection, spec: TypeSpec, body: Any, caller: Caller) -> None:
    """Refuse a new record the caller may not write (see the module's rules)."""
    if not isinstance(body, dict):
        return  # validation answers it
    if spec.name == "namespace":
        # Unicode's confusables table is loaded by the first new namespace, not at start
        from fdpregistry.lookalikes import check_new_namespace_name

        check_new_namespace_name(conn, body.get("name"))  # lookalikes: admin's names too
    if _is_admin(caller):
        return
    if spec.name == "data_product":
        namespace_id = _namespace_id(body.get("namespace"))
        if namespace_id is not None:
            _check_namespace(conn, namespace_id, caller, "create data products in")
    if spec.name == "user_author":
        _check_user_author(conn, body, caller)
    _check_what_it_says(conn, spec, body, caller)


def check_creates(conn: Connection, spec: TypeSpec, bodies: list[Any], caller: Caller) -> None:
    """`check_create` for many new records of one type (a bulk create), in order: the creators
    of the objects they name are read at once, and each namespace's owners once."""
    memo = _Memo()
    if spec.name in _ABOUT_OBJECT and not _is_admin(caller):
        named = [_link(body.get("object"), "object") for body in bodies if isinstance(body, dict)]
        ids = sorted({object_id for object_id in named if object_id is not None})
        for chunk in chunks(ids):
            memo.creators.update(dict.fromkeys(chunk))
            rows = conn.execute(
                select(_OBJECTS.c.id, _OBJECTS.c.updated_by_id).where(_OBJECTS.c.id.in_(chunk))
            )
            memo.creators.update({int(row.id): int(row.updated_by_id) for row in rows})
    conn.info[_MEMO] = memo
    try:
        for body in bodies:
            check_create(conn, spec, body, caller)
    finally:
        conn.info.pop(_MEMO, None)


@dataclass
class _Memo:
    """What `check_creates` read once for a batch: neither changes while its checks run."""

    owners: dict[int, list[int]] = field(default_factory=dict)
    creators: dict[int, int | None] = field(default_factory=dict)


def _creator(conn: Connection, object_id: int) -> int | None:
    """The user who created an object; None if there is no such object."""
    memo: _Memo | None = conn.info.get(_MEMO)
    if memo is not None and object_id in memo.creators:
        return memo.creators[object_id]
    creator = conn.execute(
        select(_OBJECTS.c.updated_by_id).where(_OBJECTS.c.id == object_id)
    ).scalar_one_or_none()
    return int(creator) if creator is not None else None


def check_change(
    conn: Connection, spec: TypeSpec, current: RowMapping, body: Any, caller: Caller
) -> Caller:
    """Refuse a PUT, PATCH or DELETE of `current` by anyone but its owner or admin.

    Returns the user the change is recorded as (`updated_by`): the caller, but the issue's
    writer when an object's owner detaches someone else's issue from their components.
    """
    if _is_admin(caller):
        return caller
    if spec.name == "namespace":
        _check_namespace(conn, int(current["id"]), caller, "change")
        return caller
    if spec.name == "data_product":
        _check_namespace(conn, int(current["namespace_id"]), caller, "change data products of")
        target = _namespace_id(body.get("namespace")) if isinstance(body, dict) else None
        if target is not None and target != current["namespace_id"]:
            _check_namespace(conn, target, caller, "move data products into")
    elif int(current["updated_by_id"]) != caller.id:
        owner = _username(conn, int(current["updated_by_id"]))
        if spec.name == "issue" and _detaches_own_components(conn, current, body, caller):
            return Caller(int(current["updated_by_id"]), owner)
        detach = (
            " The owner of an object may detach the issue from its components: PATCH "
            '{"component_issues": [...]} with the issue\'s other components only.'
            if spec.name == "issue"
            else ""
        )
        raise ApiError.detail(
            403,
            f"This {spec.name} record (id {current['id']}) belongs to user {owner!r}; "
            f"only they or the admin user may change it.{detach}",
        )
    if isinstance(body, dict):
        _check_what_it_says(conn, spec, body, caller, current)
    return caller


def record_creation(conn: Connection, spec: TypeSpec, record_id: int, caller: Caller) -> None:
    """Make the creator of a namespace its owner (committed with the caller's next commit)."""
    if spec.name == "namespace":
        conn.execute(insert(_GRANTS).values(namespace_id=record_id, user_id=caller.id))
        if not commits_held(conn):
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
    memo: _Memo | None = conn.info.get(_MEMO)
    if memo is None:
        return _owners(conn, namespace_id)
    if namespace_id not in memo.owners:
        memo.owners[namespace_id] = _owners(conn, namespace_id)
    return memo.owners[namespace_id]


def _owners(conn: Connection, namespace_id: int) -> list[int]:
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
    return _link(link, "namespace")


def _username(conn: Connection, user_id: int) -> str:
    name = conn.execute(select(_USERS.c.username).where(_USERS.c.id == user_id)).scalar()
    return str(name) if name is not None else f"#{user_id}"


def _is_admin(caller: Caller) -> bool:
    return caller.username == ADMIN_USERNAME


# --- what a record says about objects --------------------------------------------------------


def _check_what_it_says(
    conn: Connection,
    spec: TypeSpec,
    body: dict[str, Any],
    caller: Caller,
    current: RowMapping | None = None,
) -> None:
    """Refuse a record that would change what others see about objects the caller does not own
    (`current`: the record a PUT or PATCH changes)."""
    action = _ABOUT_OBJECT.get(spec.name)
    object_id = _link(body.get("object"), "object") if action is not None else None
    if object_id is not None and not _product_among_teammates(conn, spec, body, current, object_id):
        _check_object(conn, object_id, caller, str(action))
    if spec.name == "code_run" and isinstance(body.get("outputs"), list):
        for item in body["outputs"]:
            component_id = _link(item, "object_component")
            object_id = _object_of_component(conn, component_id) if component_id else None
            if object_id is not None:
                _check_object(
                    conn, object_id, caller, "record it as an output of a code run", component_id
                )
    if spec.name == "external_object":
        product_id = _link(body.get("data_product"), "data_product")
        namespace_id = (
            conn.execute(
                select(_PRODUCTS.c.namespace_id).where(_PRODUCTS.c.id == product_id)
            ).scalar_one_or_none()
            if product_id is not None
            else None
        )
        if namespace_id is not None:
            _check_namespace(
                conn, int(namespace_id), caller, "add external objects to data products of"
            )


def may_write_object(conn: Connection, object_id: int, caller: Caller) -> bool:
    """True when `caller` may say what others see about the object (see the module's rules)."""
    if _is_admin(caller):
        return True
    creator = _creator(conn, object_id)
    if creator is None or creator == caller.id:
        return True  # a dangling link is answered by validation
    namespaces = conn.execute(
        select(_PRODUCTS.c.namespace_id).where(_PRODUCTS.c.object_id == object_id).distinct()
    ).scalars()
    return any(caller.id in owners(conn, int(namespace_id)) for namespace_id in namespaces)


def _check_object(
    conn: Connection, object_id: int, caller: Caller, action: str, component_id: int | None = None
) -> None:
    if may_write_object(conn, object_id, caller):
        return
    creator = _creator(conn, object_id)
    assert creator is not None  # may_write_object lets a missing object pass
    part = f" (its component {component_id})" if component_id is not None else ""
    raise ApiError.detail(
        403,
        f"Object {object_id}{part} belongs to user {_username(conn, creator)!r}; user "
        f"{caller.username!r} may not {action}: {_OWNERS_MAY}. Attach an issue to it instead, "
        "or describe an object of your own.",
    )


def _product_among_teammates(
    conn: Connection,
    spec: TypeSpec,
    body: dict[str, Any],
    current: RowMapping | None,
    object_id: int,
) -> bool:
    """True for a data product (whose namespace the caller may write, checked before) of an
    object whose creator may write that namespace too: teammates pushing the same object at
    once, one creating the object and the other its data product."""
    if spec.name != "data_product":
        return False
    namespace_id = _namespace_id(body.get("namespace"))
    if namespace_id is None and current is not None:
        namespace_id = int(current["namespace_id"])
    creator = _creator(conn, object_id)
    return (
        namespace_id is not None and creator is not None and creator in owners(conn, namespace_id)
    )


def _object_of_component(conn: Connection, component_id: int) -> int | None:
    object_id = conn.execute(
        select(_COMPONENTS.c.object_id).where(_COMPONENTS.c.id == component_id)
    ).scalar_one_or_none()
    return int(object_id) if object_id is not None else None


def _detaches_own_components(
    conn: Connection, current: RowMapping, body: Any, caller: Caller
) -> bool:
    """True for a PATCH `{"component_issues": [...]}` that only removes components of objects
    the caller owns from someone else's issue."""
    if not isinstance(body, dict) or set(body) != {"component_issues"}:
        return False
    links = body["component_issues"]
    if not isinstance(links, list):
        return False
    kept = {_link(link, "object_component") for link in links}
    if None in kept:
        return False
    attached = set(
        conn.execute(
            select(_COMPONENT_ISSUES.c.component_id).where(
                _COMPONENT_ISSUES.c.issue_id == current["id"]
            )
        ).scalars()
    )
    removed = attached - kept
    if not kept <= attached or not removed:
        return False
    for component_id in removed:
        object_id = _object_of_component(conn, component_id)
        if object_id is None or not may_write_object(conn, object_id, caller):
            return False
    return True


def _check_user_author(conn: Connection, body: dict[str, Any], caller: Caller) -> None:
    user_id = _link(body.get("user"), "users")
    if user_id is not None and user_id != caller.id:
        raise ApiError.detail(
            403,
            f"User {caller.username!r} may link only their own user to an author, not user "
            f"{_username(conn, user_id)!r}; the admin user may link any.",
        )
    author_id = _link(body.get("author"), "author")
    if author_id is None:
        return
    linked = conn.execute(
        select(_USER_AUTHORS.c.user_id)
        .where(_USER_AUTHORS.c.author_id == author_id, _USER_AUTHORS.c.user_id != caller.id)
        .limit(1)
    ).scalar_one_or_none()
    if linked is not None:
        raise ApiError.detail(
            403,
            f"Author {author_id} is already linked to user {_username(conn, int(linked))!r}; "
            f"user {caller.username!r} may link only to an author no other user is linked to "
            "(create an author record of your own).",
        )


def _link(value: Any, type_name: str) -> int | None:
    """The id a link names; None for what validation will refuse."""
    try:
        return parse_link(value, type_name)
    except LinkError:
        return None
