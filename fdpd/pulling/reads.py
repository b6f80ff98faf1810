"""`read:` items pulled from the remote: resolved there (wildcards, `${{LATEST}}`, exact
versions), then copied with the sync engine; what the journal already links to a local record
that still exists is reported as present without asking the remote again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fdpd.cancellation import checkpoint
from fdpd.errors import FdpError
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import RemoteError, RemoteNotFound, RemoteUnreachable
from fdpd.sync import RemoteProduct, SyncReport, pull, resolve_reads
from fdpd.sync.report import ItemOutcome, ProgressCallback, WarningCallback
from fdpd.tracking.ledger import JournalSyncLedger

from .outcome import ItemResult, Status
from .plan import PlannedRead


@dataclass
class ReadPull:
    remote: RegistryClient
    local: RegistryClient
    ledger: JournalSyncLedger
    data_store: Path
    with_provenance: bool = False
    on_progress: ProgressCallback | None = None
    on_warning: WarningCallback | None = None

    async def run(self, reads: Sequence[PlannedRead]) -> tuple[list[ItemResult], SyncReport]:
        results: list[ItemResult] = []
        wanted: dict[str, RemoteProduct] = {}
        for read in reads:
            checkpoint("between read items")
            try:
                for product in await resolve_reads(self.remote, [read.request]):
                    wanted.setdefault(str(product.ref), product)
            except (RemoteError, RemoteUnreachable):
                raise  # the remote itself is the problem (token, network): stop here
            except (RemoteNotFound, FdpError) as error:
                results.append(ItemResult(read.label, "failed", kind="read", reason=error.message))
        to_pull: list[RemoteProduct] = []
        for label, product in wanted.items():
            local_url = None if self.with_provenance else await self._present(product)
            if local_url is not None:
                remote_url = self.remote.absolute(product.record["url"])
                results.append(ItemResult(label, "present", "read", local_url, remote_url))
            else:
                to_pull.append(product)
        report = SyncReport()
        if to_pull:
            report = await pull(
                self.remote,
                self.local,
                to_pull,
                self.ledger,
                self.data_store,
                with_provenance=self.with_provenance,
                on_progress=self.on_progress,
                on_warning=self.on_warning,
            )
        results += [_result(outcome) for outcome in report.items]
        return results, report

    async def _present(self, product: RemoteProduct) -> str | None:
        """The local copy the journal knows of, if the local registry still has it."""
        local_path = self.ledger.local_path_for(self.remote.absolute(product.record["url"]))
        if local_path is None:
            return None
        try:
            record = await self.local.get(local_path)
        except RemoteNotFound:
            return None
        return str(record["url"])


def _result(outcome: ItemOutcome) -> ItemResult:
    status: Status = "pulled" if outcome.status == "pulled" else "failed"
    return ItemResult(
        outcome.item, status, "read", outcome.local_url, outcome.remote_url, outcome.reason
    )
