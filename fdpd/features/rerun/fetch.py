"""A pulled run's working config and script, fetched from the remote it was pulled from."""

from __future__ import annotations

import re
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.core.context import DaemonContext
from fdpd.journal.queries import get_item
from fdpd.remote.user_remotes import load_remotes, open_remote_client
from fdpd.sync.transfers import download

_SHA1 = re.compile(r"[0-9a-fA-F]{40}")


class RunFiles:
    """Fetches a pulled run's working config or script that stayed on the remote it was pulled
    from (`pull --with-provenance` brings records, not these files) into the scratch area,
    verified against the recorded SHA-1."""

    def __init__(self, ctx: DaemonContext, folder: Path) -> None:
        self.ctx = ctx
        self.folder = folder

    async def __call__(self, run: str, location: str, sha1: str, what: str) -> Path:
        item = get_item(self.ctx.journal, run)
        remote = load_remotes(self.ctx.locations).get(item.remote) if item and item.remote else None
        if remote is None:
            raise FdpError(
                f"the {what} of {run} is at {location}, not in this data store, and fdp knows no "
                "remote the run came from",
                hint="pull the run with its provenance (`fdpctl pull --with-provenance`) from a "
                "remote you have added",
                code=ErrorCode.RECORD_INCOMPLETE,
            )
        if not _SHA1.fullmatch(sha1):  # a record's value names the file: never a path
            raise FdpError(
                f"the {what} of {run} records {sha1[:80]!r} as its SHA-1, which is not one",
                hint="the record is damaged; pull the run again",
                code=ErrorCode.RECORD_INCOMPLETE,
            )
        destination = self.folder / sha1
        destination.parent.mkdir(parents=True, exist_ok=True)
        async with open_remote_client(remote, self.ctx.services.remote_transport) as client:
            await download(client, location, destination, sha1)
        return destination
