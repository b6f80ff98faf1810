"""The shell table: every shell's argv and extension; real runs where the interpreter exists."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from fdpd.userconfig.script import ShellProblem, command, inline_script, parse_shell

JOB = Path("/data/jobs/j1")


@pytest.mark.parametrize(
    ("shell", "argv", "file_name"),
    [
        ("sh", ["sh", "-e", "/data/jobs/j1/script.sh"], "script.sh"),
        ("bash", ["bash", "-eo", "pipefail", "/data/jobs/j1/script.sh"], "script.sh"),
        ("batch", ["/data/jobs/j1/script.bat"], "script.bat"),
        ("powershell", ["powershell", "-command", ". '/data/jobs/j1/script.ps1'"], "script.ps1"),
        ("pwsh", ["pwsh", "-command", ". '/data/jobs/j1/script.ps1'"], "script.ps1"),
        ("python", ["python", "/data/jobs/j1/script.py"], "script.py"),
        ("python2", ["python2", "/data/jobs/j1/script.py"], "script.py"),
        ("python3", ["python3", "/data/jobs/j1/script.py"], "script.py"),
        ("R", ["R", "-f", "/data/jobs/j1/script.R"], "script.R"),
        ("julia", ["julia", "/data/jobs/j1/script.jl"], "script.jl"),
        ("java", ["java", "/data/jobs/j1/script.java"], "script.java"),
        ("julia --project=@.", ["julia", "--project=@.", "/data/jobs/j1/script.jl"], "script.jl"),
        ("sh -x", ["sh", "-x", "-e", "/data/jobs/j1/script.sh"], "script.sh"),
    ],
)
def test_shell_table(shell: str, argv: list[str], file_name: str) -> None:
    script = inline_script("echo hi", JOB, parse_shell(shell))
    assert script.path == JOB / file_name
    assert list(script.argv) == argv


def test_powershell_quotes_single_quotes_in_path() -> None:
    argv = command(parse_shell("pwsh"), Path("/d/ana's job/script.ps1"))
    assert argv[-1] == ". '/d/ana''s job/script.ps1'"


@pytest.mark.parametrize(
    ("shell", "fragment"),
    [("bsh", "did you mean `bash`?"), ("batch /c", "no flags"), ("", "empty"), ("sh '", "split")],
)
def test_bad_shells(shell: str, fragment: str) -> None:
    with pytest.raises(ShellProblem) as caught:
        parse_shell(shell)
    assert fragment in caught.value.message + caught.value.suggestion


@pytest.mark.parametrize(
    ("shell", "text", "status"),
    [
        ("sh", "false\necho never\n", 1),  # -e stops at the first failure
        ("bash", "false | true\necho never\n", 1),  # pipefail
        ("python3", "import sys\nsys.exit(3)\n", 3),
    ],
)
def test_argv_really_runs(shell: str, text: str, status: int, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} not installed")
    script = inline_script(text, tmp_path, parse_shell(shell))
    assert script.content is not None
    script.path.write_bytes(script.content)
    result = subprocess.run(list(script.argv), capture_output=True, text=True, timeout=30)
    assert result.returncode == status
    assert "never" not in result.stdout
