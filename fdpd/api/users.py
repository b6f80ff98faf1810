"""`/v1/users`: set up fdp users (`fdpctl config USERNAME`) and list them."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fdpd.api.deps import Context
from fdpd.api.request_paths import absolute_path
from fdpd.base.wire import UserConfigured, UserList
from fdpd.features.users import UserSetup, configure_user
from fdpd.journal.views import user_view
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.shared.fdp_users import list_users

router = APIRouter(prefix="/users", tags=["users"])


class UserSetupIn(BaseModel):
    username: str
    # Paths are absolute: fdpctl resolves them against its own working directory.
    data_store: str | None = Field(
        default=None,
        description="make this the user's data store; omitted: an existing user keeps theirs",
    )
    new_data_store: str | None = Field(
        default=None, description="without data_store: the data store of a user who is new"
    )
    full_name: str | None = None
    identifier: str | None = None
    namespace: str | None = None


@router.post("")
async def configure(ctx: Context, body: UserSetupIn) -> UserConfigured:
    """Set up (or repair) `username` and make that user the active one. The data store is
    `data_store` if given, else the user's own, else (a new user) `new_data_store`;
    `previous_data_store` is the one the user had (null: a new user); `warnings` says what the
    user must still do by hand (another registry's admin pages)."""
    setup = UserSetup(
        username=body.username,
        data_store=_optional_path(body.data_store, "data store"),
        full_name=body.full_name,
        identifier=body.identifier,
        namespace=body.namespace,
        new_data_store=_optional_path(body.new_data_store, "new data store"),
    )
    done = await configure_user(ctx.journal, ctx.locations, registry_supervisor(ctx), setup)
    return {
        **user_view(done.user),
        "previous_data_store": done.previous_data_store,
        "warnings": done.warnings,
    }


def _optional_path(text: str | None, what: str) -> Path | None:
    return None if text is None else absolute_path(text, what)


@router.get("")
async def users(ctx: Context) -> UserList:
    return {"users": [user_view(user) for user in list_users(ctx.journal)]}
