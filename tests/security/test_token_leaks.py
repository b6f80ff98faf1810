"""Tokens never leave their 0600 files: a full cycle of the demo's story (a shared remote, Ana's
config, remote add, pull, run through pyDataPipeline, commit, push, Bob's pull), with Ana's fdpctl
talking to her fdpd over TCP with the daemon token, plus refused requests with wrong tokens. Then
every file under the homes, a `ps -eo args` record taken throughout, and everything printed are
searched for every token: users' registry tokens, the registry admin keys, the remote's tokens, the
daemon token, the remote store's upload secret and the wrong tokens."""

from __future__ import annotations

import importlib.util
import os
import secrets
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from fdpd.base.paths import resolve_locations
from tests.conftest import free_port
from tests.fdp_process import FDPD

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


class ProcessTable:
    """`ps -eo args` every 20 ms in a thread: every command line seen while the cycle ran."""

    def __init__(self) -> None:
        self.lines: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ProcessTable:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
            self.lines.update(ps.stdout.splitlines())
            self._stop.wait(0.02)


def load_demo(home: Path) -> ModuleType:
    os.environ["FDP_DEMO_HOME"] = str(home)
    try:
        spec = importlib.util.spec_from_file_location("fdp_demo_for_leaks", DEMO)
        assert spec is not None and spec.loader is not None
        demo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(demo)
    finally:
        del os.environ["FDP_DEMO_HOME"]
    assert home == demo.HOME
    return demo


def start_tcp_daemon(env: dict[str, str], processes: list[subprocess.Popen[bytes]]) -> str:
    """Ana's fdpd with a TCP listener; her fdpctl then sends the daemon token on every request."""
    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [str(FDPD), "--tcp", address],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{address}/v1/ping", timeout=1).status_code == 200:
                return f"http://{address}"
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("Ana's fdpd did not answer on TCP")


class Cycle:
    def __init__(self, home: Path, printed: str, ps_lines: set[str], wrong: list[str]) -> None:
        self.home = home
        self.printed = printed
        self.ps_lines = ps_lines
        self.wrong_tokens = wrong

    def token_files(self) -> list[Path]:
        files = [self.home / "remote" / "ana.token", self.home / "remote" / "bob.token"]
        files.append(self.home / "remote" / "store" / ".upload-secret")
        for user in ("ana", "bob"):
            locations = resolve_locations({"FDP_HOME": str(self.home / user)})
            files += sorted(locations.tokens_dir.glob("*.token"))
            files.append(locations.registry_token_path)
            if locations.daemon_token_path.exists():
                files.append(locations.daemon_token_path)
            if locations.fair_registry_token_path.exists():  # written by the jobs a user ran
                files.append(locations.fair_registry_token_path)
        return files


def wrong_token_attempts(demo: ModuleType, ana: dict[str, str], remote_url: str) -> list[str]:
    """Requests that must be refused without repeating the token they carried."""
    wrong = secrets.token_hex(20)
    wrong_file = demo.HOME.parent / "wrong.token"  # outside the searched homes
    wrong_file.write_text(wrong + "\n")
    wrong_file.chmod(0o600)
    result = subprocess.run(
        [demo.FDPCTL, "remote", "add", "other", remote_url, "--token-file", str(wrong_file)],
        env=ana,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    print(result.stdout, result.stderr)
    answer = httpx.post(
        remote_url + "namespace/",
        json={"name": "x"},
        headers={"Authorization": f"token {wrong}"},
    )
    assert answer.status_code == 403
    print(answer.text)
    daemon_token_wrong = secrets.token_hex(32)
    refused = httpx.get(
        ana["FDP_DAEMON_URL"] + "/v1/daemon/status",
        headers={"Authorization": f"Bearer {daemon_token_wrong}"},
    )
    assert refused.status_code == 401
    print(refused.text)
    return [wrong, daemon_token_wrong]


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    import contextlib
    import io

    home = Path(tmp_path_factory.mktemp("leaks")) / "demo"
    home.mkdir()
    demo = load_demo(home)
    processes: list[subprocess.Popen[bytes]] = []
    people: list[dict[str, str]] = []
    printed = io.StringIO()
    try:
        with ProcessTable() as ps, contextlib.redirect_stdout(printed):
            remote_url, tokens = demo.start_remote(processes)
            ana = demo.person("ana", registry_port=free_port())
            people.append(ana)
            ana["FDP_DAEMON_URL"] = start_tcp_daemon(ana, processes)
            ana_output = demo.ana_story(ana, remote_url, tokens["ana"])
            bob = demo.person("bob", registry_port=free_port())
            people.append(bob)
            demo.bob_story(bob, remote_url, tokens["bob"], ana_output)
            wrong = wrong_token_attempts(demo, ana, remote_url)
        yield Cycle(home, printed.getvalue(), ps.lines, wrong)
    finally:
        for env in people:
            env.pop("FDP_DAEMON_URL", None)
            subprocess.run([demo.FDPCTL, "daemon", "stop"], env=env, capture_output=True)
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_the_cycle_ran_and_was_watched(cycle: Cycle) -> None:
    assert "the hashes match" in cycle.printed
    assert "pushed  ana:flow/station-mean@0.0.1" in cycle.printed
    assert any("fdpd registry serve" in line for line in cycle.ps_lines)
    assert any("station_mean.py" in line or "fdpctl" in line for line in cycle.ps_lines)
    files = cycle.token_files()
    assert len(files) >= 8  # 2 remote tokens, upload secret, 2 users, 2 admin keys, daemon token
    ana = resolve_locations({"FDP_HOME": str(cycle.home / "ana")})
    assert ana.daemon_token_path in files
    assert ana.fair_registry_token_path in files


def test_token_files_are_private(cycle: Cycle) -> None:
    for path in cycle.token_files():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _secret_in(path: Path) -> bytes:
    """A token file's secret: text tokens without their newline, binary keys byte for byte
    (stripping a random key that happens to end in a whitespace byte would shorten it)."""
    content = path.read_bytes()
    return content.strip() if content.isascii() else content


def test_no_token_outside_its_own_file(cycle: Cycle) -> None:
    token_files = set(cycle.token_files())
    secrets_ = {str(path): _secret_in(path) for path in token_files}
    secrets_.update({f"wrong token {i}": t.encode() for i, t in enumerate(cycle.wrong_tokens)})
    for origin, value in list(secrets_.items()):  # a binary secret might be written as hex
        if not value.isascii():
            secrets_[f"{origin} (hex)"] = value.hex().encode()
    short = {origin: len(value) for origin, value in secrets_.items() if len(value) < 32}
    assert not short, f"secrets too short to search for: {short}"
    searched = [p for p in cycle.home.rglob("*") if p.is_file() and p not in token_files]
    names = {str(p.relative_to(cycle.home)) for p in searched}
    for expected in (
        "ana/state/journal.db",
        "ana/state/logs/fdpd.log",
        "ana/state/logs/registry.log",
        "ana/data/registry.db",
        "ana/config/remotes.yaml",
        "ana/store/.scrc/.users",
        "remote/registry.db",
        "remote/registry.log",
    ):
        assert expected in names
    assert any("/jobs/" in name and name.endswith("config.yaml") for name in names)
    leaks = []
    for path in searched:
        content = path.read_bytes()
        leaks += [(str(path), origin) for origin, value in secrets_.items() if value in content]
    printed = cycle.printed.encode(errors="surrogateescape")
    ps_lines = [line.encode(errors="surrogateescape") for line in cycle.ps_lines]
    for origin, value in secrets_.items():
        if value in printed:
            leaks.append(("printed output", origin))
        if any(value in line for line in ps_lines):
            leaks.append(("ps -eo args", origin))
    assert leaks == []


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
