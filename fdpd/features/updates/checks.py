"""Update checks: which data products pulled from a remote have newer versions there.

A check is `update --dry-run` for one remote (F1's `update_pulled`: one `${{LATEST}}` resolution
for every pulled product, a few list queries), or `update` itself when the remote has
`auto_update: true`; either way the journal keeps what it found (`update_check`), so `status` can
say "N updates available (checked 2 h ago)" without asking anybody.
`fdpd.features.updates.scheduler` runs checks in the background; `update --check` runs one now.
"""

from __future__ import annotations

import asyncio

from fdpd.base.errors import FdpError
from fdpd.base.wire import (
    CheckedNow,
    CheckOut,
    CheckOutcome,
    NeverChecked,
    PulledItem,
    RemoteCheck,
    RemoteUpdates,
    Updated,
    UpdatesSummary,
)
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.pull import UpdateRequest, update_pulled
from fdpd.journal import Journal
from fdpd.journal.models import CHECK_FAILED, CHECK_SUCCEEDED, UpdateCheck
from fdpd.journal.queries import pulled_items
from fdpd.journal.update_checks import (
    Findings,
    finish_check,
    last_check,
    start_check,
)
from fdpd.remote.user_remotes import Remote, load_remotes

TRIGGER_SCHEDULE = "schedule"
TRIGGER_COMMAND = "update --check"
TRIGGER_UPDATE = "update"
TRIGGER_DRY_RUN = "update --dry-run"


def update_lock(ctx: DaemonContext) -> asyncio.Lock:
    """One update at a time per daemon, so a scheduled auto-update and a user's `update` never
    pull the same version side by side."""
    return ctx.services.locks.update


async def check_remote(
    ctx: DaemonContext, remote: str, *, trigger: str, pull: bool, emitter: Emitter
) -> UpdateCheck:
    """Check `remote` now (pull what is newer if `pull`) and record the check in the journal;
    a failed check is recorded, then its error raised."""
    check_id = start_check(ctx.journal, remote, trigger, emitter.operation_id)
    try:
        if not pulled_items(ctx.journal, remote):
            emitter.log(f"{remote}: nothing was pulled from it, so there is nothing to check")
            findings = Findings(0, [], [])
        else:
            async with update_lock(ctx):
                result = await update_pulled(ctx, UpdateRequest(remote, not pull), emitter)
            findings = findings_of(result["checked"], result["changes"])
    except FdpError as exc:
        finish_check(ctx.journal, check_id, error=exc.message)
        raise
    except BaseException:
        finish_check(ctx.journal, check_id, error="the check was interrupted")
        raise
    return finish_check(ctx.journal, check_id, findings=findings)


async def check_now(ctx: DaemonContext, remotes: list[str], emitter: Emitter) -> CheckedNow:
    """`update --check`: check each remote (never pulling); one failing does not stop the rest."""
    checks: list[UpdateCheck | None] = []
    for remote in remotes:
        try:
            checks.append(
                await check_remote(
                    ctx, remote, trigger=TRIGGER_COMMAND, pull=False, emitter=emitter
                )
            )
        except FdpError as exc:
            emitter.warning(f"{remote}: {exc.message}", hint=exc.hint)
            checks.append(last_check(ctx.journal, remote))
    return {
        "ok": all(check and check.outcome == CHECK_SUCCEEDED for check in checks),
        "available": sum(len(check.available) for check in checks if check),
        "checks": [_check_of(remote, check) for remote, check in zip(remotes, checks, strict=True)],
    }


def _check_of(remote: str, check: UpdateCheck | None) -> RemoteCheck | NeverChecked:
    view = check_view(check)
    return {"remote": remote, **view} if view is not None else {"remote": remote}


def remotes_checked_by_update(ctx: DaemonContext, name: str | None) -> list[Remote]:
    """The configured remotes an `update` (of one remote, if named) compares with."""
    configured = load_remotes(ctx.locations)
    return [configured[n] for n in sorted(pulled_items(ctx.journal, name)) if n in configured]


def findings_of(checked: int, changes: list[PulledItem]) -> Findings:
    """Changes as `update` reports them: `newer` (dry run) and `failed` are still available."""
    available = [c["item"] for c in changes if c["status"] in ("newer", "failed")]
    pulled = [c["item"] for c in changes if c["status"] == "pulled"]
    return Findings(checked, available, pulled)


def record_update(
    journal: Journal, remotes: list[Remote], result: Updated, operation_id: int | None
) -> None:
    """Record a finished `update` (or `update --dry-run`) as a check of each remote it covered;
    its changes are told apart by the remote record URL each names."""
    trigger = TRIGGER_DRY_RUN if result["dry_run"] else TRIGGER_UPDATE
    changes = result["changes"]
    for remote in remotes:
        mine = [c for c in changes if str(c.get("remote_url", "")).startswith(remote.url)]
        checked = len(pulled_items(journal, remote.name).get(remote.name, []))
        check_id = start_check(journal, remote.name, trigger, operation_id)
        finish_check(journal, check_id, findings=findings_of(checked, mine))


def check_view(check: UpdateCheck | None) -> CheckOut | None:
    if check is None:
        return None
    return {
        "trigger": check.trigger,
        "operation": check.operation_id,
        "started": check.started,
        "finished": check.finished,
        "outcome": CheckOutcome(check.outcome),
        "checked": check.checked,
        "available": check.available,
        "pulled": check.pulled,
        "error": check.error,
    }


def updates_summary(journal: Journal, remotes: list[str]) -> UpdatesSummary:
    """Updates available per remote by its latest successful check, and the latest failure
    if that came after it: what `status` shows."""
    rows: list[RemoteUpdates] = []
    for remote in remotes:
        ok = last_check(journal, remote, succeeded=True)
        latest = last_check(journal, remote)
        if latest is None:
            continue
        failed = latest if latest.outcome == CHECK_FAILED else None
        rows.append(
            {
                "remote": remote,
                "available": list(ok.available) if ok else [],
                "checked": ok.finished if ok else None,
                "failed": check_view(failed),
            }
        )
    checked: list[str] = [row["checked"] for row in rows if row["checked"]]
    return {
        "available": sum(len(row["available"]) for row in rows),
        # the oldest of the remotes' latest checks: how stale the count may be
        "checked": min(checked) if checked else None,
        "remotes": rows,
    }
