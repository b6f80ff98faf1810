"""`fdpctl daemon check`: fdpd inspects its own folders, files, journal and disk space.

Each check emits a progress event, problems become warnings, and the operation fails when any
check fails, so it exercises the whole operation machinery on something worth knowing.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.wire import SelfCheck
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.journal.migrations import LATEST_VERSION, schema_version

LOW_DISK_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    detail: str
    hint: str = ""


async def run_self_check(ctx: DaemonContext, emitter: Emitter) -> SelfCheck:
    checks = _checks(ctx)
    outcomes: list[tuple[str, CheckOutcome]] = []
    for number, (name, check) in enumerate(checks, start=1):
        emitter.progress(f"checking {name}", current=number - 1, total=len(checks))
        outcome = await asyncio.to_thread(check)
        outcomes.append((name, outcome))
        if outcome.ok:
            emitter.log(f"{name}: {outcome.detail}")
        else:
            emitter.warning(f"{name}: {outcome.detail}", hint=outcome.hint)
    emitter.progress("checks done", current=len(checks), total=len(checks))
    failed = [(name, outcome) for name, outcome in outcomes if not outcome.ok]
    if failed:
        raise FdpError(
            f"{len(failed)} of {len(outcomes)} checks failed: "
            + ", ".join(name for name, _ in failed),
            hint=failed[0][1].hint,
            code=ErrorCode.CHECK_FAILED,
        )
    return {
        "checks": [
            {"name": name, "ok": outcome.ok, "detail": outcome.detail} for name, outcome in outcomes
        ]
    }


def _checks(ctx: DaemonContext) -> list[tuple[str, Callable[[], CheckOutcome]]]:
    where = ctx.locations
    checks: list[tuple[str, Callable[[], CheckOutcome]]] = [
        (f"folder {folder}", functools.partial(_private, folder, 0o700))
        for folder in (where.config_dir, where.state_dir, where.data_dir, where.socket_path.parent)
    ]
    if ctx.listeners.socket_path and not ctx.listeners.socket_activated:
        socket_path = Path(ctx.listeners.socket_path)
        checks.append((f"socket {socket_path}", lambda: _private(socket_path, 0o600)))
    if where.daemon_token_path.exists():
        checks.append(("daemon token", lambda: _private(where.daemon_token_path, 0o600)))
    checks.append(("journal", lambda: _journal_sound(where.journal_path)))
    checks.append(("disk space (state)", lambda: _disk_space(where.state_dir)))
    checks.append(("disk space (data)", lambda: _disk_space(where.data_dir)))
    return checks


def _private(path: Path, expected: int) -> CheckOutcome:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        return CheckOutcome(False, f"cannot be read: {exc.strerror}", f"recreate {path}")
    if mode & 0o077:
        return CheckOutcome(
            False,
            f"mode {mode:04o} lets other users in",
            f"run: chmod {expected:o} {path}",
        )
    return CheckOutcome(True, f"mode {mode:04o}")


def _journal_sound(path: Path) -> CheckOutcome:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            version = schema_version(db)
        db.close()
    except sqlite3.Error as exc:
        return CheckOutcome(False, f"cannot be read: {exc}", "restart fdpd")
    if verdict != "ok":
        return CheckOutcome(
            False, f"integrity check: {verdict}", "stop fdpd and move the journal aside"
        )
    if version != LATEST_VERSION:
        return CheckOutcome(
            False, f"schema version {version}, expected {LATEST_VERSION}", "restart fdpd"
        )
    return CheckOutcome(True, f"intact, schema version {version}")


def _disk_space(folder: Path) -> CheckOutcome:
    free = shutil.disk_usage(folder).free
    detail = f"{free / 2**30:.1f} GiB free in {folder}"
    if free < LOW_DISK_BYTES:
        return CheckOutcome(False, detail, f"free space on the disk of {folder}")
    return CheckOutcome(True, detail)
