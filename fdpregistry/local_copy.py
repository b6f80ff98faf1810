"""`POST /fdp/local-copy`: fdp's extension that records that the file of a storage location on a
remote is now in the local data store, as a pull would have recorded it.

`pull --with-provenance` copies a run's input records with their storage locations on the
remote (their files stay there); when `fdpctl rerun` then fetches such an input's file (its
SHA-1 checked), the location must name the local copy for the language APIs to read it, and the
REST API changes no storage location. Body: `{"storage_location": link, "storage_root": link,
"path": "<relative path>"}`; the root must be a local `file://` one and the location's current
root must not be; the hash stays. Admin key, local mode only (404 when shared), as `/fdp/remove`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response

from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.links import LinkError, parse_link
from fdpregistry.management import require_admin
from fdpregistry.models import table_named
from fdpregistry.settings import RegistrySettings

LOCATIONS = table_named("storage_location")
ROOTS = table_named("storage_root")
PATH_MAX = 4096

router = APIRouter()


async def local_copy(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        if settings.shared:
            raise ApiError.detail(404, "Not found.")
        caller = require_admin(request, "record local copies")
        body = await read_json_body(request, settings.max_body_bytes)
        location_id, root_id, path = _parse(body)
        engine: Engine = request.app.state.engine
        with engine.begin() as conn:
            root = conn.execute(select(ROOTS).where(ROOTS.c.id == root_id)).mappings().first()
            if root is None or not root["local"] or not str(root["root"]).startswith("file://"):
                raise ApiError(400, {"storage_root": ["Must be a local file:// storage root."]})
            found = select(LOCATIONS.c.storage_root_id).where(LOCATIONS.c.id == location_id)
            current = conn.execute(found).scalar()
            if current is None:
                raise ApiError(400, {"storage_location": ["Object does not exist."]})
            old = conn.execute(select(ROOTS.c.local).where(ROOTS.c.id == current)).scalar()
            if old:
                raise ApiError(409, {"storage_location": ["Its file is local already."]})
            change = (
                update(LOCATIONS)
                .where(LOCATIONS.c.id == location_id)
                .values(
                    storage_root_id=root_id,
                    path=path,
                    last_updated=datetime.now(UTC),
                    updated_by_id=caller.id,
                )
            )
            try:
                conn.execute(change)
            except IntegrityError:
                raise ApiError(
                    409, {"storage_location": ["A location of that root has its hash already."]}
                ) from None
    except ApiError as error:
        return error.response()
    return json_response({"storage_location": location_id, "path": path})


def _parse(body: object) -> tuple[int, int, str]:
    if not isinstance(body, dict):
        raise ApiError(400, {"non_field_errors": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    ids: dict[str, int] = {}
    for field in ("storage_location", "storage_root"):
        try:
            ids[field] = parse_link(body.get(field), field)
        except LinkError as error:
            errors[field] = [error.message]
    path = body.get("path")
    if (
        not isinstance(path, str)
        or not path
        or len(path) > PATH_MAX
        or path.startswith(("/", "\\"))
        or ".." in path.replace("\\", "/").split("/")
    ):
        errors["path"] = ["A relative path is required."]
    if errors:
        raise ApiError(400, errors)
    assert isinstance(path, str)
    return ids["storage_location"], ids["storage_root"], path


router.add_route("/fdp/local-copy", local_copy, methods=["POST"])
