"""`POST /fdp/remove`: fdp's own route for removing records from its local registry.

The FAIR REST API lets clients delete only code runs; `fdpctl gc` and `fdpctl delete` need to
remove any record fdp can pull or make again. The body is `{"records": [link, ...]}` (paths
`/api/<type>/<id>/` or absolute URLs). Admin key only, local mode only (404 when shared).

All records go in one transaction, or none: if a record outside the set still refers to one
inside it (a link field, or a to-many set the referring record owns), the answer is 409 listing
each such pair. Association rows owned by a removed record go with it. Records that no longer
exist are reported as `missing` (a repeated request is harmless).
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from fastapi import APIRouter
from sqlalchemy import Connection, Engine, delete, select
from starlette.requests import Request
from starlette.responses import Response

from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.links import LinkError, parse_link
from fdpregistry.management import require_admin
from fdpregistry.schema import LINK, LINKS, SPECS, Through
from fdpregistry.settings import RegistrySettings
from fdpregistry.statements import chunks

MAX_RECORDS = 100_000

router = APIRouter()

Ids = dict[str, set[int]]  # type → ids


async def remove_records(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        if settings.shared:
            raise ApiError.detail(404, "Not found.")
        require_admin(request, "remove records")
        body = await read_json_body(request, settings.max_body_bytes)
        wanted = _parse_records(body)
        engine: Engine = request.app.state.engine
        with engine.begin() as conn:
            present, missing = _split_existing(conn, wanted)
            blockers = _outside_references(conn, present)
            if blockers:
                raise ApiError(409, _refusal(blockers))
            _delete(conn, present)
    except ApiError as error:
        return error.response()
    return json_response({"removed": _paths(present), "missing": _paths(missing)})


def _parse_records(body: object) -> Ids:
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise ApiError(400, {"records": ["A list of record links is required."]})
    if len(records) > MAX_RECORDS:
        raise ApiError(400, {"records": [f"At most {MAX_RECORDS} records per request."]})
    wanted: Ids = defaultdict(set)
    errors: list[str] = []
    for link in records:
        try:
            type_name, record_id = _record_of(link)
        except LinkError as error:
            errors.append(f"{link!r}: {error.message}")
            continue
        wanted[type_name].add(record_id)
    if errors:
        raise ApiError(400, {"records": errors})
    return dict(wanted)


def _record_of(link: object) -> tuple[str, int]:
    if not isinstance(link, str):
        raise LinkError("Expected a record link.")
    path = link.split("/api/", 1)[1] if "/api/" in link else ""
    type_name = path.split("/", 1)[0]
    if type_name not in SPECS:
        raise LinkError("Not a removable record type.")
    return type_name, parse_link(link, type_name)


def _split_existing(conn: Connection, wanted: Ids) -> tuple[Ids, Ids]:
    present: Ids = {}
    missing: Ids = {}
    for type_name, ids in wanted.items():
        table = SPECS[type_name].table
        found = {
            row[0]
            for chunk in _chunks(ids)
            for row in conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))
        }
        if found:
            present[type_name] = found
        if ids - found:
            missing[type_name] = ids - found
    return present, missing


def _outside_references(conn: Connection, removing: Ids) -> dict[str, set[str]]:
    """Record path → paths of records outside `removing` that refer to it."""
    blockers: dict[str, set[str]] = defaultdict(set)
    for spec in SPECS.values():
        own = removing.get(spec.name, set())
        for field in spec.fields:
            if field.kind == LINK and field.target in removing:
                column = spec.table.c[field.column]
                for chunk in _chunks(removing[field.target]):
                    rows = conn.execute(select(spec.table.c.id, column).where(column.in_(chunk)))
                    for referrer, target in rows:
                        if referrer not in own:
                            blockers[_path(field.target, target)].add(_path(spec.name, referrer))
            elif field.kind == LINKS and not field.read_only and field.target in removing:
                assert field.through is not None
                for referrer, target in _through_rows(conn, field.through, removing[field.target]):
                    if referrer not in own:
                        blockers[_path(field.target, target)].add(_path(spec.name, referrer))
    return blockers


def _through_rows(conn: Connection, through: Through, targets: set[int]) -> list[tuple[int, int]]:
    owner, other = through.table.c[through.owner], through.table.c[through.other]
    rows: list[tuple[int, int]] = []
    for chunk in _chunks(targets):
        rows += [(a, b) for a, b in conn.execute(select(owner, other).where(other.in_(chunk)))]
    return rows


def _delete(conn: Connection, removing: Ids) -> None:
    for through in _association_tables():
        table = through.table
        owner_type, other_type = _through_types(through)
        for type_name, column in ((owner_type, through.owner), (other_type, through.other)):
            for chunk in _chunks(removing.get(type_name, set())):
                conn.execute(delete(table).where(table.c[column].in_(chunk)))
    for type_name in _dependents_first():
        table = SPECS[type_name].table
        for chunk in _chunks(removing.get(type_name, set())):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))


def _association_tables() -> list[Through]:
    seen: dict[str, Through] = {}
    for spec in SPECS.values():
        for field in spec.fields:
            if field.kind == LINKS and field.through is not None:
                seen.setdefault(field.through.table.name, field.through)
    return list(seen.values())


def _through_types(through: Through) -> tuple[str, str]:
    """The record types on the owner and other side of an association table."""
    for spec in SPECS.values():
        for field in spec.fields:
            if field.kind == LINKS and field.through is through:
                assert field.target is not None
                return spec.name, field.target
    raise AssertionError(f"no field uses {through.table.name}")


def _dependents_first() -> list[str]:
    """Record types ordered so that a type comes before every type its link fields point at."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for spec in SPECS.values():
        targets = {f.target for f in spec.fields if f.kind == LINK and f.target in SPECS}
        sorter.add(spec.name, *(t for t in targets if t is not None and t != spec.name))
    return list(reversed(list(sorter.static_order())))


def _refusal(blockers: dict[str, set[str]]) -> dict[str, object]:
    referenced = [
        {"record": record, "referenced_by": sorted(referrers)}
        for record, referrers in sorted(blockers.items())
    ]
    return {
        "detail": f"{len(referenced)} of the records are still referred to by records that "
        "would stay; nothing was removed.",
        "referenced": referenced,
    }


def _chunks(ids: Iterable[int]) -> Iterator[Sequence[int]]:
    """`ids` in order, in runs of at most `BOUND_VALUES`."""
    return chunks(sorted(ids))


def _path(type_name: str, record_id: int) -> str:
    return f"/api/{type_name}/{record_id}/"


def _paths(ids: Ids) -> list[str]:
    return sorted(_path(t, i) for t, found in ids.items() for i in found)


router.add_route("/fdp/remove", remove_records, methods=["POST"])
