"""The registry's special routes (docs/registry-api.md) other than uploads and `/api/username/`.

* `GET /api/prov-report/<dp_id>/`: W3C PROV of a data product (formats in `prov.PROV_FORMATS`).
* `GET /api/ro-crate/data-product/<id>/`, `/api/ro-crate/code-run/<id>/`: RO-Crate 1.1 metadata.
* `GET /api/data_extraction/<dp_id>/`: how a data product was extracted from an external object.
* `GET /data_product/<ns>:<name>@<version>`, `GET /external_object/<alt_id>:<title>@<version>`:
  the file itself, streamed from a local (`file://` or `/`) storage root inside the registry's
  served folders (`--file-root`, a folder data store; 403 elsewhere) or redirected elsewhere.
  Content of private objects (`fdpregistry.privacy`) only with a token, prov-report and
  RO-Crate of their data products too.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from fdpd.store.locations import location_url
from fdpregistry.http import (
    API_VERSION,
    BAD_VERSION,
    NOT_ACCEPTABLE,
    ApiError,
    head_response,
    json_response,
    query_items,
)
from fdpregistry.lineage import Record, first, record
from fdpregistry.links import base_url
from fdpregistry.models import table_named
from fdpregistry.privacy import object_is_private, product_is_private, require_token_if
from fdpregistry.prov import (
    PROV_FORMATS,
    UNAVAILABLE_FORMATS,
    ProvFormat,
    build_prov_document,
)
from fdpregistry.rocrate import ro_crate_for_code_run, ro_crate_for_data_product
from fdpregistry.settings import RegistrySettings

router = APIRouter()

NOT_FOUND = "Not found."
NOT_SERVED = (
    "This registry serves local files only from its data store and the folders given with "
    "--file-root; this storage root is not one of them."
)
_MEDIA_TO_FORMAT = {fmt.media_type: name for name, fmt in PROV_FORMATS.items()} | {
    media: name for name, media in UNAVAILABLE_FORMATS.items()
}
_ANY = frozenset({"*/*", "application/*"})
MAX_PROV_DEPTH = 100_000  # levels stop where runs do; this only bounds the number parsed
_EXTERNALS = table_named("external_object")
_NAMESPACES = table_named("namespace")
_PRODUCTS = table_named("data_product")


def _engine_session(request: Request) -> Session:
    return Session(request.app.state.engine)


def _record_id(text: str) -> int:
    """A path id; 404 `Not found.` for anything but a positive integer a database can hold."""
    if not text.isdigit() or len(text) > 18 or int(text) < 1:
        raise ApiError.detail(404, NOT_FOUND)
    return int(text)


def _query(request: Request) -> dict[str, str]:
    """Query parameters, last value winning (docs/registry-api.md)."""
    return dict(query_items(request))


def _positive_int(params: dict[str, str], key: str, default: int) -> int:
    value = params.get(key, "")
    if value == "":
        return default
    if not value.isdigit() or len(value) > 6:
        raise ApiError(400, {key: ["A valid integer is required."]})
    return max(int(value), 0)


def _data_product(session: Session, product_id: int) -> Record:
    product = record(session, "data_product", product_id)
    if product is None:
        raise ApiError.detail(404, "No DataProduct matches the given query.")
    return product


# --- prov-report -------------------------------------------------------------------------------


def negotiate_prov_format(request: Request, params: dict[str, str]) -> ProvFormat:
    """`?format=` first, then Accept; JSON when neither names a type. 406 when unsatisfiable."""
    requested = params.get("format")
    if requested:
        return _prov_format_named(requested)
    header = request.headers.get("accept", "")
    if not header.strip():
        return PROV_FORMATS["json"]
    for item in header.split(","):
        media, *media_params = (part.strip() for part in item.split(";"))
        media = media.lower()
        _check_version(media_params)
        if media in _ANY:
            return PROV_FORMATS["json"]
        if media in _MEDIA_TO_FORMAT:
            return _prov_format_named(_MEDIA_TO_FORMAT[media])
    raise ApiError.detail(406, NOT_ACCEPTABLE)


def _prov_format_named(name: str) -> ProvFormat:
    if name in PROV_FORMATS:
        return PROV_FORMATS[name]
    if name in UNAVAILABLE_FORMATS:
        reason = "this registry does not draw PROV images"
        raise ApiError.detail(406, f"{NOT_ACCEPTABLE} Format {name} is unavailable: {reason}.")
    raise ApiError.detail(404, NOT_FOUND)


def _check_version(media_params: list[str]) -> None:
    for param in media_params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "version" and value.strip().strip('"') != API_VERSION:
            raise ApiError.detail(406, BAD_VERSION)


def _prov_depth(params: dict[str, str]) -> int:
    """`depth` as the reference reads it: 1 unless an integer of at least 1 (capped here).
    `attributes`, `aspect_ratio` and `dpi` only shape images, which this registry does not draw.
    """
    try:
        depth = int(params.get("depth", "1"))
    except ValueError:  # also for more digits than int() reads
        return 1
    return min(max(depth, 1), MAX_PROV_DEPTH)


def prov_report(request: Request) -> Response:
    try:
        params = _query(request)
        fmt = negotiate_prov_format(request, params)
        product_id = _record_id(request.path_params["dp_id"])
        depth = _prov_depth(params)
        with _engine_session(request) as session:
            product = _data_product(session, product_id)
            require_token_if(request, product_is_private(session.connection(), product_id))
            base = base_url(request) + "/"
            document = build_prov_document(session, product, base, depth)
            from fdpregistry.prov_formats import serialise  # the prov package, on first use

            body = serialise(document, fmt)
    except ApiError as error:
        return error.response()
    response = Response(body, 200, media_type=fmt.media_type)
    return head_response(response) if request.method == "HEAD" else response


# --- ro-crate ----------------------------------------------------------------------------------


def _wants_zip(request: Request, params: dict[str, str]) -> bool:
    if params.get("format"):
        if params["format"] not in ("zip", "json", "json-ld"):
            raise ApiError.detail(404, NOT_FOUND)
        return params["format"] == "zip"
    accept = request.headers.get("accept", "").lower()
    return "application/zip" in accept and "json" not in accept


def ro_crate_data_product(request: Request) -> Response:
    return _ro_crate(request, "data-product")


def ro_crate_code_run(request: Request) -> Response:
    return _ro_crate(request, "code-run")


def _ro_crate(request: Request, kind: str) -> Response:
    try:
        params = _query(request)
        as_zip = _wants_zip(request, params)
        record_id = _record_id(request.path_params["record_id"])
        depth = _positive_int(params, "depth", 1)
        base = base_url(request) + "/"
        with _engine_session(request) as session:
            if kind == "data-product":
                product = _data_product(session, record_id)
                require_token_if(request, product_is_private(session.connection(), record_id))
                crate = ro_crate_for_data_product(session, product, base, depth)
            else:
                run = record(session, "code_run", record_id)
                if run is None:
                    raise ApiError.detail(404, "No CodeRun matches the given query.")
                crate = ro_crate_for_code_run(session, run, base, depth)
    except ApiError as error:
        return error.response()
    if as_zip:
        response = Response(_zipped(crate), 200, media_type="application/zip")
        response.headers["Content-Disposition"] = 'attachment; filename="ro-crate.zip"'
    else:
        response = json_response(crate)
    return head_response(response) if request.method == "HEAD" else response


def _zipped(crate: dict[str, object]) -> bytes:
    """A crate whose data entities are referenced by URL: the zip holds only the metadata."""
    import json

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ro-crate-metadata.json", json.dumps(crate, indent=2))
    return buffer.getvalue()


# --- data_extraction ---------------------------------------------------------------------------


def data_extraction(request: Request) -> Response:
    try:
        product_id = _record_id(request.path_params["dp_id"])
        with _engine_session(request) as session:
            product = _data_product(session, product_id)
            external = first(
                session, select(_EXTERNALS).where(_EXTERNALS.c.data_product_id == product.id)
            )
            if external is None or external.primary_not_supplement:
                raise ApiError.detail(404, "DataProduct was not derived from an external object")
            base = base_url(request)
            body = {
                "id": f"{base}/api/data_extraction/{product.id}",
                "name": f"data extraction {product.id}",
                "startTime": _utc(product.last_updated).isoformat(),
                "description": "import/extract data from an external source",
                "data_product": f"{base}/api/data_product/{product.id}",
                "external_product": f"{base}/api/external_object/{external.id}",
            }
    except ApiError as error:
        return error.response()
    response = json_response(body)
    return head_response(response) if request.method == "HEAD" else response


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- files of data products and external objects -----------------------------------------------


def parse_product_spec(spec: str) -> tuple[str, str, str] | None:
    """`<ns>:<name>@<version>` → (ns, name, version); the name may hold `/` (and `:`/`@`).

    The path arrives percent-decoded. NUL characters name nothing (PostgreSQL refuses them).
    """
    if "\x00" in spec:
        return None
    namespace, colon, rest = spec.partition(":")
    name, at, version = rest.rpartition("@")
    if not (colon and at and namespace and name and version):
        return None
    return namespace, name, version.removeprefix("v")


def _empty(status: int) -> Response:
    return Response(status_code=status)


def data_product_file(request: Request) -> Response:
    spec = parse_product_spec(request.path_params["spec"])
    if spec is None:
        return _empty(404)
    namespace_name, name, version = spec
    with _engine_session(request) as session:
        product = first(
            session,
            select(_PRODUCTS)
            .join(_NAMESPACES, _NAMESPACES.c.id == _PRODUCTS.c.namespace_id)
            .where(
                _NAMESPACES.c.name == namespace_name,
                _PRODUCTS.c.name == name,
                _PRODUCTS.c.version == version,
            ),
        )
        location = _object_location(session, product.object_id) if product else None
        private = product is not None and object_is_private(session.connection(), product.object_id)
    if location is None:
        return _empty(404)
    return _serve_location(request, *location, private=private)


def external_object_file(request: Request) -> Response:
    spec = parse_product_spec(request.path_params["spec"])
    if spec is None:
        return _empty(404)
    alternate_identifier, title, version = spec
    params = _query(request)
    with _engine_session(request) as session:
        external = first(
            session,
            select(_EXTERNALS).where(
                _EXTERNALS.c.alternate_identifier == alternate_identifier,
                _EXTERNALS.c.title == title,
                _EXTERNALS.c.version == version,
            ),
        )
        if external is None:
            return _empty(404)
        original = _location(session, external.original_store_id)
        product = record(session, "data_product", external.data_product_id)
        stored = _object_location(session, product.object_id) if product else None
        private = product is not None and object_is_private(session.connection(), product.object_id)
    if "original" in params:
        return _redirect(location_url(*original)) if original else _empty(204)
    if stored is not None:
        return _serve_location(request, *stored, private=private)
    return _redirect(location_url(*original)) if original else _empty(204)


def _object_location(session: Session, object_id: int) -> tuple[str, str] | None:
    obj = record(session, "object", object_id)
    return _location(session, obj.storage_location_id) if obj else None


def _location(session: Session, location_id: int | None) -> tuple[str, str] | None:
    """(root, path) of a storage location."""
    if location_id is None:
        return None
    location = record(session, "storage_location", location_id)
    if location is None:
        return None
    root = record(session, "storage_root", location.storage_root_id)
    return (root.root, location.path) if root else None


def _serve_location(request: Request, root: str, path: str, *, private: bool) -> Response:
    try:
        require_token_if(request, private)
    except ApiError as error:
        return error.response()
    params = _query(request)
    if "root" in params:
        return Response(root, 200, media_type="text/plain")
    local_root = local_root_folder(root)
    if local_root is None:
        return _redirect(location_url(root, path))
    settings: RegistrySettings = request.app.state.settings
    if settings.shared:
        return json_response(
            {"detail": "This registry does not serve files from local storage roots."}, 503
        )
    file_path = contained_path(local_root, path)
    if file_path is None:
        return json_response({"detail": "Storage location path escapes its storage root."}, 400)
    if not any(is_inside(file_path, folder) for folder in settings.served_folders()):
        return json_response({"detail": NOT_SERVED}, 403)
    if not file_path.is_file():
        return _empty(404)
    return FileResponse(file_path, filename=file_path.name)


def local_root_folder(root: str) -> Path | None:
    """The folder of a `file://` or absolute-path storage root; None for other schemes."""
    if root.startswith("file://"):
        return Path(unquote(root.removeprefix("file://")) or "/")
    if root.startswith("/"):
        return Path(root)
    return None


def contained_path(folder: Path, path: str) -> Path | None:
    """`folder` joined with `path` (leading separators dropped), or None if it leaves `folder`."""
    try:
        base = folder.resolve()
        candidate = (base / path.lstrip("/\\")).resolve()
    except (ValueError, OSError):  # NUL bytes, symlink loops
        return None
    if candidate != base and base not in candidate.parents:
        return None
    return candidate


def is_inside(path: Path, folder: Path) -> bool:
    """True when the resolved `path` is `folder` (resolved) or lies inside it."""
    try:
        base = folder.resolve()
    except (ValueError, OSError):
        return False
    return path == base or base in path.parents


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=302)


_GET = ["GET", "HEAD"]
router.add_route("/api/prov-report/{dp_id}/", prov_report, methods=_GET)
router.add_route("/api/prov-report/{dp_id}", prov_report, methods=_GET)
for _slash in ("/", ""):
    router.add_route(
        f"/api/ro-crate/data-product/{{record_id}}{_slash}", ro_crate_data_product, methods=_GET
    )
    router.add_route(
        f"/api/ro-crate/code-run/{{record_id}}{_slash}", ro_crate_code_run, methods=_GET
    )
router.add_route("/api/data_extraction/{dp_id}/", data_extraction, methods=_GET)
router.add_route("/api/data_extraction/{dp_id}", data_extraction, methods=_GET)
router.add_route("/data_product/{spec:path}", data_product_file, methods=_GET)
router.add_route("/external_object/{spec:path}", external_object_file, methods=_GET)
