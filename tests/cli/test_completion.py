"""`fdpctl completion bash|zsh|fish`: the real shells load the script and complete commands,
options, job ids, data product names and remotes (asked of the real fdpd, never started by a
TAB)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.fdp_process import FDPCTL, FdpInstance
from tests.push.processes import Site, fdp_site, remote_registry, write_config


def bash_complete(env: Mapping[str, str], line: str, cwd: Path) -> list[str]:
    """COMPREPLY for `line` (the cursor at its end), as bash's completion sets the variables."""
    script = f"""
source <("{FDPCTL}" completion bash)
complete -p fdpctl >/dev/null || exit 9
COMP_LINE={shlex.quote(line)}
COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=($COMP_LINE)
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_fdpctl
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str, Path]]:
    """ana after one run of a model writing ana:comp/out@0.0.1: the job id and the project.
    One for the module: its tests only ask (completion reads, never writes)."""
    with remote_registry(tmp_path_factory.mktemp("completion")) as remote, fdp_site("ana") as ana:
        ana.add_remote(remote)
        project = ana.project("comp", {"config.yaml": write_config("comp/out")})
        job = ana.run_model(project, "config.yaml", MODEL_WRITES="comp/out")
        assert job["exit_status"] == 0, job["output"]
        yield ana, str(job["id"]), project


def test_bash_completes_commands_options_and_fdpds_names(ran: tuple[Site, str, Path]) -> None:
    site, job, project = ran
    env = site.instance.env
    assert bash_complete(env, "fdpctl co", project) == ["commit", "completion", "config"]
    assert "init" in bash_complete(env, "fdpctl ", project)
    assert "__complete" not in bash_complete(env, "fdpctl _", project)
    assert bash_complete(env, "fdpctl daemon st", project) == ["start", "status", "stop"]
    assert bash_complete(env, "fdpctl remote add --n", project) == ["--no-check"]
    assert bash_complete(env, "fdpctl status --a", project) == ["--all"]
    assert bash_complete(env, "fdpctl --json log ", project) == [job]
    assert bash_complete(env, f"fdpctl commit {job[:10]}", project) == [job]
    # bash splits words at `:`: only what follows it is completed
    assert bash_complete(env, "fdpctl commit ana:comp", project) == ["comp/out@0.0.1"]
    assert bash_complete(env, "fdpctl push --remote o", project) == ["origin"]
    assert bash_complete(env, "fdpctl remote remove ", project) == ["origin"]
    assert bash_complete(env, "fdpctl config a", project) == ["ana"]
    assert bash_complete(env, "fdpctl completion ", project) == ["bash", "fish", "zsh"]
    assert bash_complete(env, "fdpctl run con", project) == ["config.yaml"]  # files


def test_completion_never_starts_fdpd(fdp_home: Path, tmp_path: Path) -> None:
    with FdpInstance(fdp_home) as fdp:
        asked = fdp.run_fdpctl("__complete", "--", "log", "")
        assert (asked.returncode, asked.stdout, asked.stderr) == (0, "", "")
        commands = fdp.run_fdpctl("__complete", "--", "pu")
        assert commands.stdout.split() == ["pull", "push"]
        env = {**fdp.env, "PATH": f"{FDPCTL.parent}:/usr/bin:/bin"}
        assert bash_complete(env, "fdpctl cancel ", tmp_path) == []
        assert not fdp.locations.socket_path.exists() and not fdp.locations.pid_path.exists()


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_loads_and_offers_fdpds_names(ran: tuple[Site, str, Path]) -> None:
    site, job, project = ran
    # compadd and _files work only inside a completion widget: stand-ins print what they get
    script = f"""
autoload -U compinit && compinit -u -D
source <("{FDPCTL}" completion zsh)
[[ $_comps[fdpctl] == _fdpctl ]] || exit 9
compadd() {{ print -r -- "compadd ${{@[5,-1]}}" }}
_files() {{ print -r -- files }}
words=(fdpctl commit ana:comp); CURRENT=3; _fdpctl
words=(fdpctl log ""); CURRENT=3; _fdpctl
words=(fdpctl sta); CURRENT=2; _fdpctl
"""
    done = subprocess.run(
        ["zsh", "-f", "-c", script],
        env=site.instance.env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "files",
        "compadd ana:comp/out@0.0.1",
        f"compadd {job}",
        "compadd status",
    ]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_script_loads_and_offers_fdpds_names(ran: tuple[Site, str, Path]) -> None:
    site, job, project = ran
    script = (
        f"{FDPCTL} completion fish | source\n"
        "complete -C'fdpctl commit ana:'\n"
        "complete -C'fdpctl log '\n"
        "complete -C'fdpctl run conf'\n"
    )
    done = subprocess.run(
        ["fish", "--no-config", "-c", script],
        env={**site.instance.env, "HOME": str(site.root)},
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ana:comp/out@0.0.1", job, "config.yaml"]
