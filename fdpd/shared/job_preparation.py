"""From a user config to a prepared job: working config generated offline against the local
registry, job folder created with `config.yaml` and the script (docs/config.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from fdpd.base.bounded_read import CONFIG_CAP, off_loop, read_capped
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.paths import Locations
from fdpd.journal import Journal
from fdpd.journal.models import FdpUser
from fdpd.journal.remote_versions import seen_versions
from fdpd.local_registry.access import BlockingReads, LocalRegistryService
from fdpd.remote.user_remotes import load_remotes
from fdpd.shared.job_folder import (
    create_job_folder,
    job_dir_for,
    jobs_dir,
    remove_job_folder,
    write_job_files,
)
from fdpd.shared.pull_records import pulled_register_versions
from fdpd.userconfig import (
    GenerationContext,
    GitFacts,
    PulledVersions,
    RemoteVersions,
    RestRegistryView,
    UserConfig,
    UserIdentity,
    WorkingConfigResult,
    WritesInProgress,
    collect_git_facts,
    generate_working_config,
    parse_user_config,
    project_dir,
    work_tree_top,
)

REGISTRY_TIMEOUT = 30.0


@dataclass(frozen=True)
class ConfigSource:
    """A user config: its text, the name used in messages, and the folder it belongs to."""

    text: str
    name: str
    folder: Path

    @classmethod
    def from_file(cls, path: Path) -> ConfigSource:
        """The config at `path`: a regular file of at most CONFIG_CAP bytes of UTF-8 text."""
        if not path.is_absolute():
            raise FdpError(f"config path {path} is not absolute", code=ErrorCode.BAD_REQUEST)
        data = read_capped(path, "config file", CONFIG_CAP)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FdpError(
                f"config file {path} is not UTF-8 text (byte {exc.start})",
                hint="save it as UTF-8",
                code=ErrorCode.NO_CONFIG,
            ) from None
        return cls(text, str(path), path.parent)

    @classmethod
    async def read(cls, path: Path) -> ConfigSource:
        """`from_file` off the event loop, with a timeout: a request's file never stalls fdpd."""
        return await off_loop(lambda: cls.from_file(path), path, "config file")


@dataclass(frozen=True)
class SyncFacts:
    """What generation needs to know of sync: the configured remotes (name → API URL), the
    version each `register:` item's last pull registered (docs/config.md), and the
    versions remotes hold whose local records gc or delete removed."""

    remote_urls: Mapping[str, str] = field(default_factory=dict)
    pulled_register_versions: PulledVersions = field(default_factory=dict)
    remote_versions: RemoteVersions = field(default_factory=dict)


def sync_facts(locations: Locations, journal: Journal) -> SyncFacts:
    remotes = {name: remote.url for name, remote in load_remotes(locations).items()}
    seen = {
        key: {version: row.remote for version, row in versions.items()}
        for key, versions in seen_versions(journal).items()
    }
    return SyncFacts(remotes, pulled_register_versions(journal), seen)


@dataclass(frozen=True)
class PreparedJob:
    """A generated job. `folder` exists (with its files) only if it was created."""

    job_id: str
    folder: Path
    created: bool
    instant: datetime
    generated: WorkingConfigResult
    git: GitFacts | None
    user: FdpUser
    had_jobs_folder: bool = True

    def discard_folder(self) -> None:
        """Remove the job folder this job created but could not use (nothing ran in it)."""
        if self.created:
            remove_job_folder(self.folder, keep_jobs_folder=self.had_jobs_folder)

    @property
    def working_config(self) -> str:
        return self.generated.text

    @property
    def run_metadata(self) -> dict[str, object]:
        metadata: dict[str, object] = self.generated.data["run_metadata"]
        return metadata


async def prepare_job(
    source: ConfigSource,
    user: FdpUser,
    local: LocalRegistryService,
    *,
    dirty: bool,
    create_folder: bool,
    sync: SyncFacts | None = None,
    writing: WritesInProgress | None = None,
) -> PreparedJob:
    """Generate the working config (the caller holds the registry) and, if `create_folder`,
    create the job folder exclusively and write `config.yaml` and the script into it. No write
    gets a version in `writing` (those running jobs are writing).

    Without `create_folder` the job folder path is named but not created (`fdpctl generate`).
    """
    store = Path(user.data_store)
    instant = datetime.now()
    had_jobs_folder = jobs_dir(store).is_dir()
    if create_folder:
        folder, instant = create_job_folder(store, instant)
    else:
        folder = job_dir_for(store, instant)
    try:
        async with local.requests() as registry:
            reads = BlockingReads(registry, asyncio.get_running_loop(), REGISTRY_TIMEOUT)
            generated, git = await asyncio.to_thread(
                _generate,
                source,
                user,
                reads,
                folder,
                instant,
                dirty,
                sync or SyncFacts(),
                writing or {},
            )
        if create_folder:  # three fsyncs: in a worker thread, never on the event loop
            await _to_its_end(write_job_files, folder, generated.text, generated.script)
    except BaseException:
        if create_folder:
            remove_job_folder(folder, keep_jobs_folder=had_jobs_folder)
        raise
    return PreparedJob(
        folder.name, folder, create_folder, instant, generated, git, user, had_jobs_folder
    )


async def _to_its_end(work: Callable[..., None], *args: object) -> None:
    """`work(*args)` in a worker thread; a cancel still waits for it to end, so that the job
    folder is removed only after its last write."""
    thread = asyncio.ensure_future(asyncio.to_thread(work, *args))
    try:
        await asyncio.shield(thread)
    except asyncio.CancelledError:
        await asyncio.wait({thread})
        if not thread.cancelled():
            thread.exception()  # seen: the caller hears of the cancel
        raise


def _generate(
    source: ConfigSource,
    user: FdpUser,
    reads: BlockingReads,
    job_dir: Path,
    instant: datetime,
    dirty: bool,
    sync: SyncFacts,
    writing: WritesInProgress,
) -> tuple[WorkingConfigResult, GitFacts | None]:
    config = parse_user_config(source.text, source.name)
    _check_folder(source.folder)
    registry_url = reads.api_url
    ctx, _ = generation_context(
        config, source.folder, user, registry_url, instant, job_dir=job_dir, dirty=dirty, sync=sync
    )
    ctx = replace(ctx, writes_in_progress=writing)
    return generate_working_config(config, ctx, RestRegistryView(reads)), ctx.git


def generation_context(
    config: UserConfig,
    folder: Path,
    user: FdpUser,
    registry_url: str,
    instant: datetime,
    *,
    job_dir: Path,
    dirty: bool = False,
    sync: SyncFacts | None = None,
) -> tuple[GenerationContext, Path]:
    """What a user config in `folder` means for `user` at `instant`, and its project folder."""
    top = work_tree_top(folder) if folder.is_dir() else None
    local_repo = project_dir(config, folder, top)
    facts = sync or SyncFacts()
    ctx = GenerationContext(
        instant=instant,
        user=UserIdentity(user.full_name, user.identifier, user.author_uuid),
        local_registry_url=registry_url,
        data_store=Path(user.data_store),
        job_dir=job_dir,
        config_dir=folder,
        default_input_namespace=user.namespace,
        default_output_namespace=user.namespace,
        git=collect_git_facts(local_repo, top=top if local_repo == top else None)
        if local_repo.is_dir()
        else None,
        dirty_allowed=dirty,
        remote_urls=facts.remote_urls,
        pulled_register_versions=facts.pulled_register_versions,
        remote_versions=facts.remote_versions,
    )
    return ctx, local_repo


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise FdpError(
            f"the config's folder {folder} does not exist",
            hint="give config_dir as an existing folder",
            code=ErrorCode.NO_CONFIG,
        )
