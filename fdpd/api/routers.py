"""The one list of the daemon API's routers; `create_app` mounts each under /v1.

A new verb group is one module in fdpd/api/ with an `APIRouter` named `router`, plus one line
here.
"""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api import daemon, jobs, operations, ping, pull, registry, remotes, users

ROUTERS: list[APIRouter] = [
    ping.router,
    daemon.router,
    operations.router,
    registry.router,
    users.router,
    jobs.router,
    remotes.router,
    pull.router,
]
