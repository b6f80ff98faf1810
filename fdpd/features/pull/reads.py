"""`read:` items pulled from the remote: resolved there (wildcards, `${{LATEST}}`, exact
versions), then copied with the sync engine; what the journal already links to a local record
that still exists is reported as present without asking the remote again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.cancellation import checkpoint
from fdpd.base.errors import FdpError
from fdpd.base.wire import PullStatus
from fdpd.features.pull.outcome import ItemResult
from fdpd.features.pull.plan import PlannedRead
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import RemoteError, RemoteNotFound, RemoteUnreachable
from fdpd.shared.journal_ledger import JournalSyncLedger
from fdpd.sync import ReadRequest, RemoteProduct, SyncReport, pull, resolve_reads
from fdpd.sync.report import ItemOutcome, ProgressCallback, WarningCallback
from fdpd.sync.resolve import NamesSeen
from fdpd.userconfig.wildcards import left_out_note


@dataclass
class ReadPull:
    remote: RegistryClient
    local: RegistryClient
    ledger: JournalSyncLedger
    data_store: Path
    with_provenance: bool = False
    on_progress: ProgressCallback | None = None
    on_warning: WarningCallback | None = None
    config_file: str = ""  # the user config, to locate warnings

    async def run(self, reads: Sequence[PlannedRead]) -> tuple[list[ItemResult], SyncReport]:
        results: list[ItemResult] = []
        wanted: dict[str, RemoteProduct] = {}
        for read in reads:
            checkpoint("between read items")
            try:
                found = await resolve_reads(self.remote, [read.request], self._names_seen(read))
                for product in found:
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

    def _names_seen(self, read: PlannedRead) -> NamesSeen:
        """Warns, at the item's line, when the remote's fnmatch reading of a pattern takes
        names that `*` within one segment leaves out (docs/config.md, "Patterns")."""

        def seen(request: ReadRequest, names: list[str]) -> None:
            note = left_out_note(request.name, names)
            if note is not None and self.on_warning is not None:
                where = read.where
                self.on_warning(
                    f"{self.config_file}:{where.line}:{where.column}: {where.key_path}: {note}"
                )

        return seen

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
    status: PullStatus = "pulled" if outcome.status == "pulled" else "failed"
    return ItemResult(
        outcome.item, status, "read", outcome.local_url, outcome.remote_url, outcome.reason
    )
