"""FastAPI dependencies of the daemon API's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fdpd.core.context import DaemonContext


def get_context(request: Request) -> DaemonContext:
    context: DaemonContext = request.app.state.context
    return context


Context = Annotated[DaemonContext, Depends(get_context)]
