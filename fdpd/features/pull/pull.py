"""`pull CONFIG`: register items first, then the config's reads from the remote (issue #5).

The work of a `pull` operation: it reports progress through the operation's emitter and returns
the result: each item (registered / pulled / present / failed with why), records created, files
and bytes, and the requests made to the remote.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.units import byte_size
from fdpd.base.wire import Pulled
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.pull.local_records import LocalRecords
from fdpd.features.pull.outcome import ItemResult
from fdpd.features.pull.plan import PullPlan, plan_pull
from fdpd.features.pull.reads import ReadPull
from fdpd.features.pull.register import Registrar, check_local_sources
from fdpd.features.pull.remote_choice import ADD_REMOTE_HINT, choose_remote
from fdpd.journal.models import FdpUser
from fdpd.journal.remote_versions import seen_versions
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import RemoteNotFound
from fdpd.remote.user_remotes import Remote, open_remote_client
from fdpd.shared.fdp_users import active_user, read_user_token
from fdpd.shared.job_preparation import ConfigSource
from fdpd.shared.journal_ledger import JournalSyncLedger
from fdpd.sync import SyncReport
from fdpd.sync.report import ProgressCallback, forward_to
from fdpd.sync.resolve import resolve_reads


@dataclass(frozen=True)
class PullRequest:
    source: ConfigSource
    remote: str | None = None
    with_provenance: bool = False


class PullProgress:
    """Sync engine and download callbacks → the operation's progress and warning events."""

    def __init__(self, emitter: Emitter) -> None:
        self.emitter = emitter
        self.source_bytes = 0

    def sync(self, remote: str) -> ProgressCallback:
        """The sync engine's progress events (plan, files, bytes, records) from `remote`."""
        return forward_to(self.emitter.progress, remote)

    def register(self, done: int, total: int) -> None:
        self.emitter.progress("register", current=done, total=total, unit="items")

    def source_chunk(self, count: int) -> None:
        self.source_bytes += count
        # one message for the whole download, so the emitter thins the events to 5 a second
        message = f"register: downloading ({byte_size(self.source_bytes)})"
        self.emitter.progress(message, current=self.source_bytes, unit="bytes")

    def warn(self, message: str) -> None:
        self.emitter.warning(message)


async def pull_config(ctx: DaemonContext, request: PullRequest, emitter: Emitter) -> Pulled:
    user = active_user(ctx.journal)
    token = read_user_token(user)
    supervisor = registry_supervisor(ctx)
    source = request.source
    plan = plan_pull(source.text, source.name, source.folder, user, supervisor.url)
    check_local_sources(plan, ctx.locations)
    remote = choose_remote(
        ctx.locations,
        plan.remote_url,
        request.remote,
        supervisor.url,
        emitter.warning,
        plan.remote_url_at,
    )
    progress = PullProgress(emitter)
    for warning in plan.warnings:
        emitter.warning(warning)
    results: list[ItemResult] = []
    report = SyncReport()
    remote_requests: Counter[str] = Counter()
    async with (
        supervisor.held("pull"),
        supervisor.client(token) as local,
    ):
        registrar = Registrar(
            LocalRecords(local),
            user,
            ctx.journal,
            emitter.operation_id,
            plan.instant,
            progress.source_chunk,
            progress.register,
            seen_versions(ctx.journal),
        )
        if plan.namespaces or plan.authors or plan.sources:
            results += await registrar.register_all(plan)
        if plan.reads and remote is None:
            results += await _reads_present_offline(source.name, plan, local)
        elif plan.reads and remote is not None:
            read_results, report, remote_requests = await _pull_reads(
                ctx, plan, remote, local, user, request.with_provenance, progress
            )
            results += read_results
    return _summary(remote, results, report, remote_requests)


async def _pull_reads(
    ctx: DaemonContext,
    plan: PullPlan,
    remote: Remote,
    local: RegistryClient,
    user: FdpUser,
    with_provenance: bool,
    progress: PullProgress,
) -> tuple[list[ItemResult], SyncReport, Counter[str]]:
    what = f"{len(plan.reads)} read item" + ("" if len(plan.reads) == 1 else "s")
    progress.emitter.progress(f"asking {remote.name} for {what}", details={"remote": remote.name})
    async with open_remote_client(remote, ctx.services.remote_transport) as remote_client:
        reads = ReadPull(
            remote_client,
            local,
            await JournalSyncLedger.open(ctx.journal, remote.name, "pull"),
            Path(user.data_store),
            with_provenance,
            progress.sync(remote.name),
            progress.warn,
            plan.config.filename,
        )
        results, report = await reads.run(plan.reads)
        return results, report, Counter(remote_client.requests)


async def _reads_present_offline(
    config_name: str, plan: PullPlan, local: RegistryClient
) -> list[ItemResult]:
    """With no remote, a pull succeeds if every read item is already in the local registry (each
    is `present`); otherwise it says which one is missing and how to add a remote."""
    results = []
    for read in plan.reads:
        try:
            products = await resolve_reads(local, [read.request])
        except RemoteNotFound:
            raise FdpError(
                f"{config_name}: {read.label} is not in the local registry, and no remote is "
                "configured to pull it from",
                hint=ADD_REMOTE_HINT + " (the default remote is called origin)",
                code=ErrorCode.NO_REMOTE,
            ) from None
        results += [ItemResult(str(p.ref), "present", kind="read") for p in products]
    return results


def _summary(
    remote: Remote | None,
    results: list[ItemResult],
    report: SyncReport,
    remote_requests: Counter[str],
) -> Pulled:
    registered = [r for r in results if r.kind == "register" and r.status == "registered"]
    return {
        "remote": remote.name if remote is not None else None,
        "ok": all(r.status != "failed" for r in results),
        "items": [r.to_json() for r in results],
        "counts": dict(Counter(r.status for r in results)),
        "records_created": report.records_created,
        "files_downloaded": report.files_transferred + sum(1 for r in registered if r.bytes),
        "bytes_downloaded": report.bytes_transferred + sum(r.bytes for r in registered),
        "remote_requests": dict(remote_requests),
        "remote_request_total": sum(remote_requests.values()),
    }
