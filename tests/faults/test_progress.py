"""What people see of a pull or push, with the real fdpd and fdpctl: the plan (files by name, total
bytes) before anything moves, rate and time left, records advancing, `waiting for origin (N s)...`
while the remote stalls (an HttpRelay that stalls mid-file: FAULT INJECTION), one line redrawn on
a terminal (a pty) and plain lines into a pipe. Also: output cut short by `| head -1` ends
quietly, `log -f` is one readable line per event.

In process (fdpctl's own code, the daemon app and its registry: tests/push/in_process.py), as a
process proves nothing there: the events of a pull, a push's plain lines into a pipe (fdpctl's
output is no terminal), and usage errors (`--json` ones are JSON)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import fault_site, pull_project, read_config, registry_port
from tests.faults.http_relay import HttpRelay
from tests.fdp_process import FDPCTL, json_lines, like_a_terminal_command
from tests.fdpctl_in_process import fdpctl_main
from tests.push import in_process
from tests.push.in_process import fdp_site as fdp_in_process
from tests.push.in_process import remote_registry as remote_in_process
from tests.push.processes import Site, remote_registry, write_config
from tests.sync.seed import Seeder, add_product

BIG = 3 << 20  # bytes
RATE = 2 << 20  # bytes a second, through the relay
STALL = 7.0  # seconds of silence after a file's first chunk: fdpctl speaks up after 5


class Published:
    """bob's products on the remote, their files in its data store under `data_root`."""

    def __init__(self, seeder: Seeder, data_root: str) -> None:
        self.seeder, self.data_root = seeder, data_root

    def product(self, namespace: str, name: str, content: bytes) -> None:
        sha1 = self.seeder.upload(content)
        root = self.data_root
        add_product(
            self.seeder,
            namespace=namespace,
            name=name,
            version="1.0.0",
            content=content,
            root=root,
            path=sha1,
        )


class Relayed(Published):
    """Published, the files downloaded through an HttpRelay."""

    def __init__(self, seeder: Seeder, data_root: str, relay: HttpRelay) -> None:
        super().__init__(seeder, data_root)
        self.relay = relay


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Relayed, Site]]:
    """A remote behind an HttpRelay, and ana with origin = the relay (tests use their own
    namespaces)."""
    root = tmp_path_factory.mktemp("remote")
    with (
        remote_registry(root) as remote,
        HttpRelay(registry_port(remote)) as relay,
        fault_site("ana") as ana,
    ):
        seeder = Seeder(remote.registry.base_url, remote.add_user("bob").read_text().strip())
        ana.add_remote(remote, url=f"{relay.url}/api/")
        try:
            yield Relayed(seeder, f"{relay.url}/data/", relay), ana
        finally:
            seeder.close()


@pytest.fixture
def published(world: tuple[Relayed, Site]) -> Iterator[Relayed]:
    yield world[0]
    world[0].relay.slow_downloads(0)


@pytest.fixture
def ana(world: tuple[Relayed, Site]) -> Site:
    return world[1]


@pytest.fixture(scope="module")
def here() -> Iterator[tuple[Published, in_process.Site]]:
    """ana's fdp in process and a remote app in process, bob publishing on it (tests use their
    own namespaces)."""
    with (
        fdp_in_process("ana") as ana,
        remote_in_process(ana.root / "shared") as remote,
    ):
        seeder = remote.registry.seeder_for(remote.add_user("bob").read_text().strip())
        ana.add_remote(remote)
        try:
            yield Published(seeder, f"{remote.registry.base_url}/data/"), ana
        finally:
            seeder.close()


def small(namespace: str) -> bytes:
    """A small file, different in each namespace (a remote stores one location per file)."""
    return f"{namespace},1\n3,4\n".encode()


def big_and_small(published: Published, ana: Site, namespace: str) -> Path:
    publish_big_and_small(published, namespace)
    return pull_project(ana, (namespace, "gauges/big"), (namespace, "gauges/small"))


def publish_big_and_small(published: Published, namespace: str) -> None:
    published.product(namespace, "gauges/big", os.urandom(BIG))
    published.product(namespace, "gauges/small", small(namespace))


def index_of(lines: list[str], start: str) -> int:
    found = [number for number, line in enumerate(lines) if line.startswith(start)]
    assert found, f"no line starts with {start!r}: {lines}"
    return found[0]


def on_a_terminal(site: Site, *args: str) -> tuple[int, str]:
    """Run fdpctl with a pty (200 columns) as its terminal; exit status and all it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    process = subprocess.Popen(
        [str(FDPCTL), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=site.root,
        env=site.instance.env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side has closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return process.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_pull_into_a_pipe_prints_the_plan_each_file_and_waiting_lines(
    published: Relayed, ana: Site
) -> None:
    config = big_and_small(published, ana, "plainpull")
    published.relay.slow_downloads(RATE, stall=STALL)

    result = ana.fdpctl("pull", str(config))

    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    plan = lines.index("download: 2 files (size not known yet) for 2 items from origin")
    waiting = index_of(lines, "waiting for origin (")
    assert re.fullmatch(r"waiting for origin \([5-7] s\)\.\.\.", lines[waiting]), lines
    assert "  downloaded plainpull/gauges/big/1.0.0.csv (3.0 MiB)" in lines
    small_line = f"  downloaded plainpull/gauges/small/1.0.0.csv ({len(small('plainpull'))} bytes)"
    assert small_line in lines
    done = index_of(lines, "download: done, 2 files")
    records = index_of(lines, "records for 2 items (")
    assert plan < waiting < done < records, lines
    assert any(re.fullmatch(r"records: done, \d+ registry records for 2 items", x) for x in lines)
    assert re.search(
        r"^2 items pulled \(\d+ registry records copied\), 2 files \(3\.0 MiB\)", out, re.M
    )
    assert "Traceback" not in result.stderr


def test_pull_on_a_terminal_redraws_one_line_with_rate_time_left_and_waiting(
    published: Relayed, ana: Site
) -> None:
    config = big_and_small(published, ana, "ttypull")
    published.relay.slow_downloads(RATE, stall=STALL)

    status, out = on_a_terminal(ana, "pull", str(config))

    assert status == 0, out
    redraws = out.split("\r\x1b[K")
    assert len(redraws) > 10, out  # one line redrawn in place, many times
    transfer = [r for r in redraws if r.startswith("download ")]
    assert any(
        re.search(r"of 3\.0 MiB, [\d.]+ (KiB|MiB)/s, \d+:\d\d left  ttypull/", r) for r in transfer
    ), transfer
    assert any(re.search(r"waiting for origin \([5-7] s\)\.\.\.$", r) for r in transfer), transfer
    assert any(
        re.match(r"records for 2 items \[[#.]+\] \d+% \(\d+/\d+ registry records\)", r)
        for r in redraws
    )
    assert "2 items pulled" in redraws[-1]
    assert "\ndownload" not in out  # progress never scrolls: no line of it ends in a newline


def test_pull_events_carry_the_plan_before_any_byte_and_sizes_with_the_downloads(
    here: tuple[Published, in_process.Site],
) -> None:
    published, ana = here
    publish_big_and_small(published, "jsonpull")
    reads = (("jsonpull", "gauges/big"), ("jsonpull", "gauges/small"))
    project = ana.project("jsonpull", {"config.yaml": read_config(*reads)})

    result = ana.fdpctl("--json", "pull", str(project / "config.yaml"))

    events = json_lines(result.stdout)
    downloads = [e for e in events if e.get("phase") == "download"]
    plan = downloads[0]["plan"]
    # Sizes come with each GET's answer (no HEAD per file): none is known before the first byte.
    assert sorted((f["name"], f["size"]) for f in plan["files"]) == [
        ("jsonpull/gauges/big/1.0.0.csv", None),
        ("jsonpull/gauges/small/1.0.0.csv", None),
    ]
    total = BIG + len(small("jsonpull"))
    assert downloads[0]["bytes"] == 0
    assert downloads[-1]["current"] == downloads[-1]["total"] == 2
    assert downloads[-1]["bytes"] == downloads[-1]["bytes_total"] == total
    assert downloads[0]["remote"] == "origin"
    ended = [e["name"] for d in downloads for e in d["ended"]]
    assert sorted(ended) == sorted(f["name"] for f in plan["files"])
    records = [e for e in events if e.get("phase") == "records"]
    assert records[-1]["current"] == records[-1]["total"] > 0


def test_push_shows_files_then_records_in_items(here: tuple[Published, in_process.Site]) -> None:
    _, ana = here
    project = ana.project("pushed", {"config.yaml": write_config("progress/out")})
    job = ana.run_model(project, "config.yaml", MODEL_WRITES="progress/out")
    assert job["exit_status"] == 0, job["output"]
    ana.ok("commit", job["id"])

    result = ana.fdpctl("push")

    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "\r" not in out
    lines = out.splitlines()
    assert any(
        re.fullmatch(r"upload: 3 files \([\d.]+ (bytes|KiB)\) for 2 items to origin", x)
        for x in lines
    ), lines
    uploaded = [x for x in lines if x.startswith("  uploaded ")]
    assert len(uploaded) == 3 and any("jobs/" in x and "config.yaml" in x for x in uploaded), lines
    assert any(re.fullmatch(r"records for 2 items \(\d+ registry records\)", x) for x in lines), (
        lines
    )
    assert re.search(
        r"2 items pushed \(\d+ registry records on origin, \d+ of them created\), 3 files uploaded",
        out,
    )


def test_output_cut_short_ends_quietly(published: Published, ana: Site) -> None:
    """A reader that has gone (a pipe closed at once, and `| head -1`): no traceback."""
    published.product("piped", "gauges/one", small("piped"))
    ana.ok("pull", str(pull_project(ana, ("piped", "gauges/one"))))
    read, write = os.pipe()
    os.close(read)
    for args in (("log",), ("status",), ("info", "piped:gauges/one@1.0.0"), ("log", "1")):
        closed = subprocess.run(
            [str(FDPCTL), *args],
            stdout=write,
            stderr=subprocess.PIPE,
            env=ana.instance.env,
            text=True,
        )
        assert closed.returncode == 141, (args, closed.stderr)
        assert closed.stderr == "", (args, closed.stderr)
        shell = subprocess.run(
            ["sh", "-c", f'{FDPCTL} {" ".join(args)} | head -1; echo "${{PIPESTATUS:-}}"'],
            capture_output=True,
            env=ana.instance.env,
            text=True,
        )
        assert "Traceback" not in shell.stderr and "Error" not in shell.stderr, shell.stderr
    os.close(write)


def test_log_follow_is_one_readable_line_per_event(published: Published, ana: Site) -> None:
    published.product("followed", "gauges/one", b"a,b\n1,2\n")
    config = pull_project(ana, ("followed", "gauges/one"))
    follow = subprocess.Popen(
        [str(FDPCTL), "log", "-f"],
        preexec_fn=like_a_terminal_command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ana.instance.env,
        text=True,
    )
    raw = subprocess.Popen(
        [str(FDPCTL), "--json", "log", "-f"],
        preexec_fn=like_a_terminal_command,
        stdout=subprocess.PIPE,
        env=ana.instance.env,
        text=True,
    )
    time.sleep(1.0)
    assert ana.fdpctl("pull", str(config)).returncode == 0
    time.sleep(0.5)
    for process in (follow, raw):
        process.send_signal(signal.SIGINT)
    out, err = follow.communicate(timeout=10)
    raw_out, _ = raw.communicate(timeout=10)

    lines = [line for line in out.splitlines() if " pull " in line]
    assert lines, out + err
    for line in lines:
        assert re.match(r"\d\d:\d\d:\d\d  \d+ pull +(progress|log|warning|result) +\S", line), line
        assert len(line) < 200 and "{" not in line, line
    [result] = [line for line in lines if " result " in line]
    assert re.search(
        r"result +ok: 1 pulled, \d+ registry records created, 1 file downloaded \(8 bytes\)", result
    ), result
    followed = [item for item in json_lines(raw_out) if item.get("verb") == "pull"]
    assert followed[-1]["event"]["type"] == "result" and "items" in followed[-1]["event"]["result"]


@pytest.mark.parametrize("args", [("--json", "pul"), ("log", "--json", "-n", "0"), ("--json",)])
def test_json_usage_errors_are_the_json_error_object(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = fdpctl_main(*args, home=tmp_path)

    assert result.returncode == 2, result
    assert result.stderr == ""
    error: dict[str, Any] = json.loads(result.stdout)["error"]
    assert error["code"] == "usage" and error["message"] and "--help" in error["hint"], error


def test_usage_errors_without_json_stay_argparse_text(tmp_path: Path) -> None:
    result = fdpctl_main("log", "-n", "0", home=tmp_path)

    assert result.returncode == 2 and result.stdout == ""
    assert "fdpctl log: error: argument -n/--limit" in result.stderr
