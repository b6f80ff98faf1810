"""Files a request or a config names are read only if they are regular files of bounded size:
a FIFO with no writer, a device that never ends or a huge file is a clear error naming the file,
and fdpd goes on answering. Driven through the real fdpctl against the real fdpd where the file
could stall a process (a FIFO, a device); a malformed URL and a remotes file nested too deep
through fdpctl's code and the daemon app in process (tests/fdpctl_in_process.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.fdpctl_in_process import fdpctl_in
from tests.inprocess import InProcessDaemon, daemon_in_process

QUICK = 20  # seconds: far above what a refusal takes, far below a stall


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def refused(fdp: FdpInstance, *args: str) -> str:
    result = fdp.run_fdpctl(*args, timeout=QUICK)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert fdp.run_fdpctl("status", timeout=QUICK).returncode == 0  # fdpd still answers
    return result.stderr


def refused_in_process(daemon: InProcessDaemon, *args: str) -> str:
    result = fdpctl_in(daemon, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert fdpctl_in(daemon, "status").returncode == 0  # fdpd still answers
    return result.stderr


def test_a_config_that_is_a_fifo_is_refused(secured_fdp: FdpInstance, fifo: Path) -> None:
    for command in ("generate", "run", "pull"):
        error = refused(secured_fdp, command, str(fifo))
        assert str(fifo) in error and "FIFO (named pipe)" in error and "regular file" in error


def test_a_config_that_is_a_device_is_refused(secured_fdp: FdpInstance) -> None:
    error = refused(secured_fdp, "generate", "/dev/zero")
    assert "/dev/zero is a character device" in error


def test_a_config_over_the_cap_is_refused_before_it_is_read(
    secured_fdp: FdpInstance, tmp_path: Path
) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(9 * 1024 * 1024)  # sparse: nine MiB of nothing
    error = refused(secured_fdp, "generate", str(big))
    assert str(big) in error and "fdp reads at most 8.0 MiB" in error


def test_a_token_file_that_is_a_fifo_is_refused(secured_fdp: FdpInstance, fifo: Path) -> None:
    error = refused(
        secured_fdp, "remote", "add", "piped", "http://127.0.0.1:9/api/", "--token-file", str(fifo)
    )
    assert str(fifo) in error and "FIFO" in error
    listed = secured_fdp.run_fdpctl("remote", "list", timeout=QUICK)
    assert "piped" not in listed.stdout


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://ana:secret@127.0.0.1:9/api/", "'http://***@127.0.0.1:9/api/'"),
        ("http://127.0.0.1:9/api/?token=secret", "'http://127.0.0.1:9/api/?***'"),
        ("ftp://127.0.0.1/api/", "http"),
    ],
)
def test_a_malformed_remote_url_is_refused(
    secured_daemon: InProcessDaemon, tmp_path: Path, url: str, says: str
) -> None:
    token = tmp_path / "token"
    token.write_text("0" * 40)
    token.chmod(0o600)
    error = refused_in_process(
        secured_daemon, "remote", "add", "odd", url, "--token-file", str(token)
    )
    assert says in error
    assert "secret" not in error


@pytest.fixture
def fresh_home() -> Iterator[FdpInstance]:
    home = Path(tempfile.mkdtemp(prefix="fdp-bounded-", dir="/tmp"))
    try:
        with FdpInstance(home, {"FDP_REGISTRY_PORT": str(free_port())}) as fdp:
            yield fdp
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_fdpd_with_a_fifo_for_its_config_says_so_and_exits(fresh_home: FdpInstance) -> None:
    config = fresh_home.locations.config_dir / "config.yaml"
    config.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(config)

    result = subprocess.run(
        [str(FDPCTL), "daemon", "start"],
        env=fresh_home.env,
        capture_output=True,
        text=True,
        timeout=QUICK * 3,
    )

    assert result.returncode != 0
    assert f"fdpd could not start: {config} is a FIFO (named pipe)" in result.stderr
    assert "Traceback" not in result.stderr


REGISTER_FROM = """\
run_metadata:
  description: register a local source
  script: python3 model.py
register:
  - namespace: src
    full_name: src agency
  - external_object: stations
    namespace_name: src
    root: file://{folder}/
    path: {name}
    title: Station metadata
    description: stations
    unique_name: src stations
    alternate_identifier_type: src_download
    file_type: csv
    version: "1.0.0"
    primary: true
"""


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_register_source_that_is_no_regular_file_fails_its_item(
    secured_fdp: FdpInstance, tmp_path: Path, fifo: Path, kind: str
) -> None:
    source = fifo if kind == "fifo" else Path("/dev/zero")
    config = tmp_path / "register.yaml"
    config.write_text(REGISTER_FROM.format(folder=source.parent, name=source.name))

    error = refused(secured_fdp, "pull", str(config))

    result = secured_fdp.run_fdpctl("--json", "pull", str(config), timeout=QUICK)
    # a device under /dev is refused before it is opened (never read: /dev is no register root)
    assert "FIFO" in result.stdout if kind == "fifo" else "inside /dev" in result.stdout
    assert "Traceback" not in error
    store = secured_fdp.home / "store"
    assert not list(store.rglob("*.part")) and not (store / "src").exists()


def test_a_remotes_file_nested_too_deep_is_a_located_error(tmp_path: Path) -> None:
    with daemon_in_process(tmp_path / "fdp") as daemon:
        remotes = daemon.locations.config_dir / "remotes.yaml"
        remotes.write_text("remotes: " + "[" * 100 + "]" * 100 + "\n")

        result = fdpctl_in(daemon, "remote", "list")

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{remotes}:1:" in result.stderr and "nests more than 64 levels" in result.stderr
    assert "Traceback" not in result.stderr
