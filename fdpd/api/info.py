"""`/v1/info`: registry metadata, provenance, sync state and files of TOKEN|PATH."""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api.commit import TargetBody
from fdpd.api.deps import Context
from fdpd.base.wire import Info
from fdpd.features.info import inspect_target

router = APIRouter(tags=["sync"])


class InfoBody(TargetBody):
    graph: bool = False  # also answer the provenance graph as Graphviz DOT text


@router.post("/info")
async def post_info(ctx: Context, body: InfoBody) -> Info:
    """Everything fdp knows of a code run, job, data product or file (`graph`: and its
    provenance graph)."""
    return await inspect_target(ctx, token=body.token, path=body.path, graph=body.graph)
