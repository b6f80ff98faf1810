"""The job script: which interpreter runs it, how, and under which file name (shell table)."""

from __future__ import annotations

import difflib
import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ShellSpec:
    program: str | None  # None: the script runs itself (batch)
    args_before_script: tuple[str, ...]
    extension: str


SHELLS: dict[str, ShellSpec] = {
    "sh": ShellSpec("sh", ("-e",), "sh"),
    "bash": ShellSpec("bash", ("-eo", "pipefail"), "sh"),
    "batch": ShellSpec(None, (), "bat"),
    "powershell": ShellSpec("powershell", (), "ps1"),
    "pwsh": ShellSpec("pwsh", (), "ps1"),
    "python": ShellSpec("python", (), "py"),
    "python2": ShellSpec("python2", (), "py"),
    "python3": ShellSpec("python3", (), "py"),
    "R": ShellSpec("R", ("-f",), "R"),
    "julia": ShellSpec("julia", (), "jl"),
    "java": ShellSpec("java", (), "java"),
}
RESERVED_SCRIPT_NAMES = ("config.yaml", "coderuns.txt")


@dataclass(frozen=True)
class ShellChoice:
    name: str
    flags: tuple[str, ...] = ()

    @property
    def spec(self) -> ShellSpec:
        return SHELLS[self.name]


class ShellProblem(Exception):
    def __init__(self, message: str, suggestion: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


def default_shell(platform: str) -> ShellChoice:
    return ShellChoice("batch" if platform == "windows" else "sh")


def parse_shell(text: str) -> ShellChoice:
    """A `shell:` value (`julia --project=@.`) as table name plus flags."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ShellProblem(f"cannot split shell `{text}`: {exc}") from exc
    if not words:
        raise ShellProblem("shell is empty", "supported: " + ", ".join(SHELLS))
    name, flags = words[0], tuple(words[1:])
    if name not in SHELLS:
        close = difflib.get_close_matches(name, list(SHELLS), n=1)
        raise ShellProblem(
            f"unknown shell `{name}`; supported: {', '.join(SHELLS)}",
            f"did you mean `{close[0]}`?" if close else "",
        )
    if name == "batch" and flags:
        raise ShellProblem("the batch shell takes no flags")
    return ShellChoice(name, flags)


def command(shell: ShellChoice, script: Path) -> list[str]:
    """The argument list that runs `script` (never a shell string)."""
    spec = shell.spec
    if spec.program is None:
        return [str(script)]
    if shell.name in ("powershell", "pwsh"):
        quoted = str(script).replace("'", "''")
        return [spec.program, *shell.flags, "-command", f". '{quoted}'"]
    return [spec.program, *shell.flags, *spec.args_before_script, str(script)]


@dataclass(frozen=True)
class JobScript:
    """The script a job runs. Exactly one of `content` (inline `script:`, to write) and
    `source` (the `script_path:` file, to copy) is set; `path` is where it goes in the job."""

    path: Path
    argv: tuple[str, ...]
    shell: ShellChoice
    sha1: str
    content: bytes | None = None
    source: Path | None = None


def inline_script(text: str, job_dir: Path, shell: ShellChoice) -> JobScript:
    path = job_dir / f"script.{shell.spec.extension}"
    content = text.encode("utf-8")
    return JobScript(path, tuple(command(shell, path)), shell, _sha1(content), content=content)


def copied_script(source: Path, job_dir: Path, shell: ShellChoice) -> JobScript:
    """The job copy of `source` (base name kept); raises ShellProblem if it cannot be used."""
    if source.name in RESERVED_SCRIPT_NAMES:
        raise ShellProblem(
            f"a script cannot be named {source.name}: the job folder uses that name",
            "rename the script",
        )
    try:
        content = source.read_bytes()
    except OSError as exc:
        raise ShellProblem(f"cannot read script {source}: {exc.strerror}") from exc
    path = job_dir / source.name
    return JobScript(path, tuple(command(shell, path)), shell, _sha1(content), source=source)


def may_run_python(script: JobScript) -> bool:
    """Whether the job may run Python, so pyDataPipeline (the Python API): a Python shell, or a
    script that names python or a `.py` file. An R, Julia, Java or C++ job does not; a script
    that cannot be read may."""
    if script.shell.name.startswith("python"):
        return True
    try:
        content = script.content if script.source is None else script.source.read_bytes()
    except OSError:
        return True
    return content is None or _NAMES_PYTHON.search(content) is not None


_NAMES_PYTHON = re.compile(rb"python|\.py\b", re.IGNORECASE)


def _sha1(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()
