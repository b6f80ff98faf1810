"""run_metadata → every explicit key with a concrete value, and the job script (docs/config.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.store.code_repos import (
    is_local_git_url,
    names_machine_path,
    unfetchable_repo,
    without_credentials,
)
from fdpd.userconfig.context import GenerationContext, template_values
from fdpd.userconfig.errors import Failed, ProblemCollector
from fdpd.userconfig.model import Located, RunMetadata, UserConfig
from fdpd.userconfig.remote_url import unknown_remote_note
from fdpd.userconfig.script import (
    JobScript,
    ShellChoice,
    ShellProblem,
    copied_script,
    default_shell,
    inline_script,
    parse_shell,
)
from fdpd.userconfig.substitution import Substituter
from fdpd.userconfig.versions import LATEST

DEFAULT_WRITE_VERSION = "${{PATCH}}"
T = TypeVar("T")


@dataclass(frozen=True)
class ResolvedRunMetadata:
    description: str
    local_data_registry_url: str
    remote_data_registry_url: str
    default_input_namespace: str
    default_output_namespace: str
    write_data_store: str
    local_repo: str
    remote_repo: str
    latest_commit: str
    script_path: str
    public: bool
    # consumed during generation, never written (job record only)
    default_read_version: str
    default_write_version: str


def project_dir(config: UserConfig, config_dir: Path, git_top: Path | None) -> Path:
    """The project checkout (`local_repo`): the user's value, relative to the config's folder,
    else the top of the git work tree holding the config, else the config's folder."""
    given = config.run_metadata.local_repo
    if given is not None:
        return _absolute(given.value, config_dir)
    return git_top if git_top is not None else config_dir


def _absolute(text: str, base: Path) -> Path:
    path = Path(os.path.expanduser(text))
    return path if path.is_absolute() else base / path


class RunMetadataResolver:
    def __init__(
        self,
        config: UserConfig,
        ctx: GenerationContext,
        problems: ProblemCollector,
        warnings: ProblemCollector,
    ) -> None:
        self.config = config
        self.md: RunMetadata = config.run_metadata
        self.ctx = ctx
        self.problems = problems
        self.warnings = warnings
        early = Substituter(template_values(ctx, config.filename, None), problems)
        self.local_repo = self._local_repo(early)
        self.sub = Substituter(template_values(ctx, config.filename, self.local_repo), problems)

    def resolve(self) -> tuple[ResolvedRunMetadata, JobScript]:
        """Raises ConfigError listing every run_metadata problem."""
        ctx, md, sub = self.ctx, self.md, self.sub
        description = self._attempt(self._description)
        remote_registry_url = self._attempt(self._remote_registry_url)
        input_namespace = self._attempt(
            lambda: self._namespace(
                md.default_input_namespace, "input", ctx.default_input_namespace
            )
        )
        output_namespace = self._attempt(
            lambda: self._namespace(
                md.default_output_namespace, "output", ctx.default_output_namespace
            )
        )
        data_store = self._attempt(self._write_data_store)
        read_version = self._attempt(lambda: sub.optional(md.default_read_version) or LATEST)
        write_version = self._attempt(
            lambda: sub.optional(md.default_write_version) or DEFAULT_WRITE_VERSION
        )
        script = self._attempt(self._script)
        self.problems.raise_if_any()
        assert self.local_repo is not None and script is not None
        remote_repo = self._attempt(self._remote_repo)
        latest_commit = self._attempt(lambda: self._latest_commit(script))
        self.problems.raise_if_any()
        resolved = ResolvedRunMetadata(
            description=_given(description),
            local_data_registry_url=self._local_registry_url(),
            remote_data_registry_url=_given(remote_registry_url),
            default_input_namespace=_given(input_namespace),
            default_output_namespace=_given(output_namespace),
            write_data_store=_given(data_store),
            local_repo=str(self.local_repo),
            remote_repo=_given(remote_repo),
            latest_commit=_given(latest_commit),
            script_path=str(script.path),
            public=md.public.value if md.public is not None else True,
            default_read_version=_given(read_version),
            default_write_version=_given(write_version),
        )
        self.problems.raise_if_any()
        return resolved, script

    def _attempt(self, step: Callable[[], T]) -> T | None:
        try:
            return step()
        except Failed:
            return None

    def _fail(self, where: Located[str] | None, message: str, suggestion: str = "") -> Failed:
        self.problems.add(where.where if where else self.md.where, message, suggestion)
        return Failed()

    def _local_repo(self, early: Substituter) -> Path | None:
        given = self.md.local_repo
        if given is None:
            return project_dir(
                self.config, self.ctx.config_dir, self.ctx.git.top if self.ctx.git else None
            )
        try:
            path = _absolute(early.text(given), self.ctx.config_dir)
        except Failed:
            return None
        if not path.is_dir():
            self.problems.add(given.where, f"local_repo {path} is not a folder")
            return None
        return path

    def _description(self) -> str:
        """FAIR-CLI 0.11.0 ran a config without a description (its own test config has none);
        the registry needs one for the code run, so fdp fills one in and says so."""
        given = self.md.description
        text = self.sub.optional(given)
        if text and text.strip():
            return text
        default = f"run of {os.path.basename(self.config.filename)}"
        self.warnings.add(
            given.where if given is not None else self.md.where,
            f"run_metadata has no description: the code run is described as `{default}` "
            "(FAIR-CLI 0.11.0 wrote none, and pyDataPipeline then failed in initialise)",
            "add `description: what this run does`",
        )
        return default

    def _local_registry_url(self) -> str:
        given = self.md.local_data_registry_url
        url = self.ctx.local_registry_url
        if given is not None and given.value.rstrip("/") != url.rstrip("/"):
            self.warnings.add(
                given.where,
                f"local_data_registry_url `{given.value}` replaced by fdpd's registry `{url}`",
                "remove the key; fdpd always fills it in",
            )
        return url

    def _remote_registry_url(self) -> str:
        given = self.md.remote_data_registry_url
        remotes = self.ctx.remote_urls
        if given is None:
            if self.ctx.default_remote and self.ctx.default_remote in remotes:
                return remotes[self.ctx.default_remote]
            return self.ctx.local_registry_url
        wanted = self.sub.text(given).rstrip("/")
        for url in (*remotes.values(), self.ctx.local_registry_url):
            if url.rstrip("/") == wanted:
                return url
        default = self.ctx.default_remote if self.ctx.default_remote in remotes else None
        self.warnings.add(given.where, unknown_remote_note(self.sub.text(given), default))
        return remotes[default] if default is not None else self.ctx.local_registry_url

    def _namespace(self, given: Located[str] | None, which: str, default: str | None) -> str:
        value = self.sub.optional(given) or default
        if not value:
            raise self._fail(
                given,
                f"no default {which} namespace: set default_{which}_namespace here "
                "or in fdp's settings",
            )
        return value

    def _write_data_store(self) -> str:
        """fdpd's data store. Another folder is replaced, with a warning: FAIR-CLI 0.11.0 wrote
        outputs where the config said; fdp keeps every output in the store it manages."""
        store = self.ctx.with_separator(self.ctx.data_store)
        given = self.md.write_data_store
        if given is not None:
            text = self.sub.text(given)
            wanted = os.path.normpath(os.path.expanduser(text))
            if wanted != os.path.normpath(str(self.ctx.data_store)):
                self.warnings.add(
                    given.where,
                    f"write_data_store `{text}` is not fdp's data store: outputs go to `{store}` "
                    f"(FAIR-CLI 0.11.0 wrote them under `{text}`)",
                    "remove the key; fdpd fills it in",
                )
        return store

    def _shell(self) -> ShellChoice:
        given = self.md.shell
        if given is None:
            return default_shell(self.ctx.platform)
        try:
            return parse_shell(self.sub.text(given))
        except ShellProblem as exc:
            raise self._fail(given, exc.message, exc.suggestion) from exc

    def _script(self) -> JobScript:
        inline, path = self.md.script, self.md.script_path
        if inline is not None and path is not None:
            raise self._fail(path, "give `script` or `script_path`, not both")
        if inline is None and path is None:
            raise self._fail(
                None,
                "run_metadata needs `script` (inline commands) or `script_path` (a script file)",
            )
        shell = self._shell()
        if inline is not None:
            return inline_script(self.sub.text(inline), self.ctx.job_dir, shell)
        assert path is not None and self.local_repo is not None
        source = _absolute(self.sub.text(path), self.local_repo)
        try:
            return copied_script(source, self.ctx.job_dir, shell)
        except ShellProblem as exc:
            raise self._fail(path, exc.message, exc.suggestion) from exc

    def _remote_repo(self) -> str:
        """The URL others fetch the code from; `no-remote://none/<folder>` (with a warning) when
        there is none, never a path of this machine, nor a URL's password or token."""
        given = self.md.remote_repo
        if given is not None:
            value = self.sub.text(given)
            if names_machine_path(value):
                raise self._fail(
                    given,
                    f"remote_repo `{value}` is a path on this machine: runs would publish it "
                    "as the address of the code",
                    "give the URL of a git remote others can fetch from, or remove the key",
                )
            return without_credentials(value)
        git = self.ctx.git
        assert self.local_repo is not None
        if git is not None and git.remote_url is not None and not is_local_git_url(git.remote_url):
            return without_credentials(git.remote_url)
        value = unfetchable_repo(self.local_repo)
        recorded = f"remote_repo is `{value}`"
        if git is None:
            where = f"{self.local_repo} is not in a git repository"
            recorded += " and latest_commit the SHA-1 of the job script"
            hint = "make it one (`git init`, commit) and add a remote: `git remote add origin URL`"
        elif git.remote_url is None:
            where = f"the git repository {git.top} has no remote `{git.remote_name}`"
            hint = f"add one others can fetch from: `git remote add {git.remote_name} URL`"
        else:
            where = f"the git remote `{git.remote_name}` is a path on this machine"
            hint = (
                f"give a remote others can fetch from: `git remote remove {git.remote_name}`, "
                f"then `git remote add {git.remote_name} URL`"
            )
        self.warnings.add(
            self.md.where,
            f"{where}, so nobody else can fetch this code: {recorded}",
            hint,
        )
        return value

    def _latest_commit(self, script: JobScript) -> str:
        given = self.md.latest_commit
        if given is not None:
            self.warnings.add(
                given.where, "latest_commit is ignored: fdp always records the commit itself"
            )
        git = self.ctx.git
        if git is None:
            if self.md.remote_repo is None:
                return script.sha1  # the remote_repo warning says so
            self.warnings.add(
                self.md.where,
                f"{self.local_repo} is not in a git repository: latest_commit is the SHA-1 of "
                "the job script",
            )
            return script.sha1
        if git.head is None:
            raise self._fail(
                None,
                f"the git repository {git.top} has no commits yet: fdp records the commit "
                "each run used",
                "commit your project first: `git add -A && git commit -m 'first commit'`",
            )
        if git.dirty and not self.ctx.dirty_allowed:
            raise FdpError(
                f"the git repository {git.top} has uncommitted changes",
                hint="commit them, or pass --dirty to record the commit as `<sha>-dirty`",
                code=ErrorCode.DIRTY_WORK_TREE,
            )
        return git.head + "-dirty" if git.dirty else git.head


def _given(value: T | None) -> T:
    """A value whose absence was already reported (problems raised before this is reached)."""
    assert value is not None
    return value
