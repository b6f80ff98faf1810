"""The one list of the daemon API's routers; `create_app` mounts each under /v1.

A new verb group is one module in fdpd/api/ with an `APIRouter` named `router`, plus one line
here.
"""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api import (
    commit,
    daemon,
    delete,
    gc,
    info,
    jobs,
    names,
    operations,
    ping,
    pull,
    push,
    registry,
    remotes,
    rerun,
    schedule,
    status,
    users,
)

ROUTERS: list[APIRouter] = [
    ping.router,
    daemon.router,
    operations.router,
    registry.router,
    users.router,
    jobs.router,
    remotes.router,
    commit.router,
    push.router,
    status.router,
    pull.router,
    schedule.router,
    info.router,
    gc.router,
    delete.router,
    names.router,
    rerun.router,
]
