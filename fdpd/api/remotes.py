"""`/v1/remotes`: the remote registries fdp syncs with."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from pydantic import BaseModel

from fdpd.api.deps import Context
from fdpd.api.request_paths import absolute_path
from fdpd.base.wire import RemoteList, RemoteOut
from fdpd.remote.user_remotes import (
    Remote,
    add_remote,
    load_remotes,
    normalise_url,
    open_remote_client,
    remove_remote,
)

router = APIRouter(prefix="/remotes", tags=["remotes"])


class RemoteIn(BaseModel):
    name: str
    url: str
    token_file: str  # absolute: fdpctl resolves it against its own working directory
    data_store: str | None = None
    check: bool = True


@router.get("")
async def remotes(ctx: Context) -> RemoteList:
    return {"remotes": [r.to_json() for r in load_remotes(ctx.locations).values()]}


@router.post("")
async def add(ctx: Context, body: RemoteIn) -> RemoteOut:
    """Add a remote; with `check`, first make sure it answers and accepts the token."""
    token_file = absolute_path(body.token_file, "token file")
    remote = Remote(body.name, normalise_url(body.url), token_file, body.data_store)
    if body.check:
        await check_remote(remote, ctx.services.remote_transport)
    return add_remote(ctx.locations, remote).to_json()


@router.delete("/{name}")
async def remove(ctx: Context, name: str) -> RemoteOut:
    return remove_remote(ctx.locations, name).to_json()


async def check_remote(remote: Remote, transport: httpx.AsyncBaseTransport | None) -> None:
    """One authenticated request: reachable, a FAIR registry, and our token accepted."""
    async with open_remote_client(remote, transport) as client:
        await client.whoami()
