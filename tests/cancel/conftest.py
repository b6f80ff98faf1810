"""Real fdp instances for cancel tests: a real pyDataPipeline model that sleeps (and a child it
spawned), fdpctl started in the background to be sent SIGINT, a real remote registry behind a
slow relay (so a pull or push takes seconds), and helpers that wait for what fdpd has done."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import Faulty, fault_site, faulty_remote, process_alive, wait_for
from tests.fdp_process import FDPCTL, like_a_terminal_command
from tests.push.processes import Remote, Site, fdp_site, remote_registry, write_config
from tests.push.slow_proxy import SlowProxy
from tests.run.conftest import git

PUSH_DELAY = 0.1  # seconds per request (and per 64 KiB uploaded) on the way to the remote

# A real pyDataPipeline model: initialise (the code run, config and script are registered),
# start a child, tell the test both pids, then sleep. SLEEPER_ON_TERM says what SIGTERM does:
# `exit` (the default: die), `linger` (print, sleep LINGER seconds, write the marker, exit 3),
# and SLEEPER_CHILD_IGNORES_TERM makes the child ignore SIGTERM (so only SIGKILL stops it).
SLEEPER = """\
import os, signal, subprocess, sys, time
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
child_code = "import time; time.sleep(300)"
if os.environ.get("SLEEPER_CHILD_IGNORES_TERM"):
    child_code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + child_code
child = subprocess.Popen([sys.executable, "-c", child_code])

def linger(signum, frame):
    print("cleaning up", flush=True)
    time.sleep(float(os.environ.get("LINGER", "2")))
    open(os.environ["SLEEPER_MARKER"], "w").close()
    sys.exit(3)

if os.environ.get("SLEEPER_ON_TERM") == "linger":
    signal.signal(signal.SIGTERM, linger)
with open(os.environ["SLEEPER_PIDS"] + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {child.pid}\\n")
os.rename(os.environ["SLEEPER_PIDS"] + ".tmp", os.environ["SLEEPER_PIDS"])
print("sleeping", flush=True)
time.sleep(300)
pipeline.finalise(token, handle)
"""


class Sleeper:
    """A project whose `config.yaml` runs SLEEPER, and where it reports its pids."""

    def __init__(self, site: Site, name: str) -> None:
        self.site = site
        self.project = site.project(name, {"config.yaml": write_config("slow/out")})
        (self.project / "model.py").write_text(SLEEPER)
        git(self.project, "commit", "-q", "-am", "a model that sleeps")
        self.pids_file = self.project / "pids"
        self.marker = self.project / "cleaned-up"

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """`fdpctl [ARGS] run config.yaml` in the background, in the project."""
        self.pids_file.unlink(missing_ok=True)
        self.marker.unlink(missing_ok=True)
        variables = {"SLEEPER_PIDS": str(self.pids_file), "SLEEPER_MARKER": str(self.marker)}
        return subprocess.Popen(
            [str(FDPCTL), *args, "run", "config.yaml"],
            cwd=self.project,
            env={**self.site.instance.env, **variables, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=like_a_terminal_command,
        )

    def pids(self) -> tuple[int, int]:
        """The model's and its child's pids, once the model is asleep."""
        text = wait_for(lambda: self.pids_file.is_file() and self.pids_file.read_text())
        model, child = text.split()
        return int(model), int(child)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with fdp_site("ana") as found:
        yield found


@pytest.fixture
def sleeper(site: Site, request: pytest.FixtureRequest) -> Sleeper:
    return Sleeper(site, request.node.name.replace("[", "-").replace("]", ""))


def interrupt(process: subprocess.Popen[str]) -> None:
    """What Ctrl-C in a terminal does to fdpctl."""
    process.send_signal(signal.SIGINT)


def gone(*pids: int) -> bool:
    return not any(process_alive(pid) for pid in pids)


def running_operation(site: Site, verb: str) -> int:
    """The id of the newest operation of `verb`, once fdpd has started it; it must be running
    (the test is too late otherwise)."""

    def newest() -> dict[str, Any] | None:
        operations = site.json("log")["operations"]
        return next((op for op in operations if op["verb"] == verb), None)

    found: dict[str, Any] = wait_for(newest, what=f"a {verb}")
    assert found["outcome"] == "running", f"the {verb} ended before the test got to it: {found}"
    return int(found["id"])


def operation(site: Site, operation_id: int) -> dict[str, Any]:
    shown: dict[str, Any] = site.json("log", str(operation_id))
    return shown


def events_of(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def relayed_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faulty]:
    """A shared remote registry behind a FaultyRelay, for the module (tests publish in their own
    namespaces, and no test stops it)."""
    with faulty_remote(tmp_path_factory.mktemp("relayed")) as found:
        yield found


@pytest.fixture
def relayed(relayed_remote: Faulty) -> Iterator[Faulty]:
    """The module's remote behind its relay (throttled in the pull tests), the relay's faults
    healed and its throttle off after each test."""
    relayed_remote.relay.injected.clear()
    yield relayed_remote
    relayed_remote.relay.heal()
    relayed_remote.relay.throttle(0)


@pytest.fixture
def puller(relayed: Faulty) -> Iterator[Site]:
    """ana, whose remote origin is the relay."""
    with fault_site("ana") as found:
        found.add_remote(relayed.remote, url=f"{relayed.relay.url}/api/")
        yield found


@pytest.fixture
def pusher(tmp_path: Path) -> Iterator[tuple[Site, Remote, SlowProxy]]:
    """ana, whose remote origin is behind a SlowProxy (every request and upload chunk is
    delayed), so a push takes seconds; and the proxy."""
    with remote_registry(tmp_path) as remote:
        port = int(remote.registry.base_url.rsplit(":", 1)[1])
        with SlowProxy(port, PUSH_DELAY) as proxy, fdp_site("ana") as found:
            found.add_remote(remote, url=f"{proxy.url}/api/")
            yield found, remote, proxy
