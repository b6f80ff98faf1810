"""`/v1/schedule`: the background update checks, one per remote, with next and last run."""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api.deps import Context
from fdpd.base.wire import Schedule
from fdpd.features.updates.scheduler import update_scheduler

router = APIRouter(tags=["schedule"])


@router.get("/schedule")
async def get_schedule(ctx: Context) -> Schedule:
    """Each configured remote: interval, auto_update, next run and the last check's result;
    `config_error` says why a changed config was not applied."""
    scheduler = update_scheduler(ctx)
    jobs = scheduler.jobs()
    return {"jobs": jobs, "config_error": scheduler.config_error}
