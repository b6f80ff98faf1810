"""Run one push in its own process (so a test can SIGKILL it mid-push).

argv: LOCAL_URL REMOTE_URL ROOT_LINK LEDGER_FILE KILL_AFTER_RECORDS; tokens come from the
environment (never argv). With KILL_AFTER_RECORDS > 0 the process SIGKILLs itself as soon as
that many records are on the remote: a real kill -9, at a deterministic point.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fdpd.remote.client import RegistryClient
from fdpd.sync import push
from fdpd.sync import report as sync_report
from tests.sync.ledgers import JsonlLedger


def main(argv: list[str]) -> int:
    local_url, remote_url, root, ledger_file, kill_after = argv
    limit = int(kill_after)

    sync_report.EVENT_INTERVAL = 0  # every record reported: the kill comes exactly after `limit`

    def on_progress(event: sync_report.ProgressEvent) -> None:
        if event.phase == "records" and 0 < limit <= event.current:
            os.kill(os.getpid(), signal.SIGKILL)

    async def run() -> None:
        async with (
            RegistryClient(local_url, os.environ["LOCAL_TOKEN"], name="local") as local,
            RegistryClient(remote_url, os.environ["REMOTE_TOKEN"], name="origin") as remote,
        ):
            report = await push(
                local, remote, [root], JsonlLedger(Path(ledger_file)), on_progress=on_progress
            )
            print(report.items[0].status, report.records_created)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
