"""`POST /fdp/reruns`: fdp's extension that records a verdict of `fdpctl rerun` in the local
registry, so that the web view (served by the registry, which knows nothing of fdpd's journal)
shows a code run's last rerun on its page.

Admin key, local mode only (404 when shared, as `/fdp/remove`): fdpd records what its own
reruns found. The rows are not records of the REST API and no push or pull carries them: a
verdict is what one machine found when it ran the code again, not part of the run. The body:

    {"code_run": uuid, "ended": ISO 8601, "username": str, "verdict": "identical"|"differs"|
     "failed", "identical": int, "outputs": int, "job": str, "kept": bool,
     "new_code_run": uuid or null}
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection, Engine, RowMapping, insert, select
from starlette.requests import Request
from starlette.responses import Response

from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.management import require_admin
from fdpregistry.models import FdpRerun, table_of
from fdpregistry.settings import RegistrySettings
from fdpregistry.values import Invalid, parse_body_datetime, parse_bool, parse_int, parse_uuid

VERDICTS = ("identical", "differs", "failed")
RERUNS = table_of(FdpRerun)
_TEXT_CAP = {"username": 150, "job": 64}

router = APIRouter()


async def record_rerun(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        if settings.shared:
            raise ApiError.detail(404, "Not found.")
        require_admin(request, "record reruns")
        values = _values(await read_json_body(request, settings.max_body_bytes))
        engine: Engine = request.app.state.engine
        with engine.begin() as conn:
            conn.execute(insert(RERUNS).values(**values))
    except ApiError as error:
        return error.response()
    return json_response({"code_run": values["code_run_uuid"], "verdict": values["verdict"]}, 201)


def last_rerun(conn: Connection, code_run_uuid: str) -> RowMapping | None:
    """The latest recorded rerun of the code run with this uuid."""
    found = (
        select(RERUNS)
        .where(RERUNS.c.code_run_uuid == code_run_uuid)
        .order_by(RERUNS.c.ended.desc(), RERUNS.c.id.desc())
        .limit(1)
    )
    return conn.execute(found).mappings().first()


def _values(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, {"non_field_errors": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def take(field: str, column: str, parse: Any, *, optional: bool = False) -> None:
        value = body.get(field)
        if value is None and optional:
            values[column] = None
            return
        if value is None:
            errors[field] = ["This field is required."]
            return
        try:
            values[column] = parse(value)
        except Invalid as error:
            errors[field] = [error.message]

    take("code_run", "code_run_uuid", parse_uuid)
    take("ended", "ended", parse_body_datetime)
    take("username", "username", _text("username"))
    take("verdict", "verdict", _verdict)
    take("identical", "identical", _count)
    take("outputs", "outputs", _count)
    take("job", "job", _text("job"))
    take("kept", "kept", parse_bool, optional=True)
    take("new_code_run", "new_code_run_uuid", parse_uuid, optional=True)
    if errors:
        raise ApiError(400, errors)
    values["kept"] = bool(values["kept"])
    return values


def _text(field: str) -> Any:
    cap = _TEXT_CAP[field]

    def parse(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise Invalid("Not a valid string.")
        if len(value) > cap:
            raise Invalid(f"Ensure this field has no more than {cap} characters.")
        return value

    return parse


def _verdict(value: object) -> str:
    if value not in VERDICTS:
        raise Invalid(f"{str(value)[:40]!r} is not a valid choice: one of {', '.join(VERDICTS)}.")
    return str(value)


def _count(value: object) -> int:
    number = parse_int(value)
    if number < 0:
        raise Invalid("Ensure this value is greater than or equal to 0.")
    return number


router.add_route("/fdp/reruns", record_rerun, methods=["POST"])
