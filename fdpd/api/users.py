"""`/v1/users`: set up fdp users (`fdpctl config USERNAME`) and list them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from fdpd.api.registry import registry_supervisor
from fdpd.api.request_paths import absolute_path
from fdpd.journal.models import FdpUser
from fdpd.server.context import Context
from fdpd.users import UserSetup, configure_user, list_users

router = APIRouter(prefix="/users", tags=["users"])


class UserSetupIn(BaseModel):
    username: str
    data_store: str  # absolute: fdpctl resolves it against its own working directory
    full_name: str | None = None
    identifier: str | None = None
    namespace: str | None = None


def _user_out(user: FdpUser) -> dict[str, Any]:
    # The token itself never leaves fdpd; only where it is kept.
    return user.model_dump()


@router.post("")
async def configure(ctx: Context, body: UserSetupIn) -> dict[str, Any]:
    """Make `data_store` a data store for `username` and make that user the active one;
    `warnings` says what the user must still do by hand (another registry's admin pages)."""
    setup = UserSetup(
        username=body.username,
        data_store=absolute_path(body.data_store, "data store"),
        full_name=body.full_name,
        identifier=body.identifier,
        namespace=body.namespace,
    )
    done = await configure_user(ctx.journal, ctx.locations, registry_supervisor(ctx), setup)
    return {**_user_out(done.user), "warnings": done.warnings}


@router.get("")
async def users(ctx: Context) -> dict[str, Any]:
    return {"users": [_user_out(user) for user in list_users(ctx.journal)]}
