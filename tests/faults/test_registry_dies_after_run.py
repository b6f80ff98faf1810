"""The local registry dies (kill -9, a real fault) between the model's end and fdpd's bookkeeping
of the job: the job's records are still found and recorded, its `public: false` output is still
marked private, and the summary never says the script used no language API. If the registry
cannot come back in time (here: another program takes its port), the job is recorded as needing
its bookkeeping, and the next fdpd finishes it.

Push refuses, by itself, an output a job's working config marks `public: false`, whatever the
registry says: a model run by a language API outside `fdpctl run` gets no bookkeeping at all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import Faulty, fault_site, kill_fdpd, start_fdpctl, wait_for
from tests.pdp_job import PdpJob
from tests.push.processes import Site, write_config
from tests.run.conftest import make_project

PRODUCT = "secret/out"
LABEL = f"ana:{PRODUCT}@0.0.1"
KILL_REGISTRY = 'python3 model.py && kill -9 "$REGISTRY_PID"'

# Kills the registry, then serves on its port until told to stop (detached, so the job's
# script ends), answering 503 to everything: what fdpd finds there is not its registry, so it
# cannot restart it, and it waits for it as for a registry that is starting.
SQUATTER = """\
import http.server, os, signal, socket, sys, time
pid, port, pid_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if os.fork():
    os._exit(0)
os.setsid()
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
os.kill(pid, signal.SIGKILL)
class Server(http.server.HTTPServer):
    allow_reuse_address = True
class Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_error(503)
    do_POST = do_GET
    def log_message(self, *args):
        pass
for _ in range(500):
    try:
        server = Server(("127.0.0.1", port), Unavailable)
        break
    except OSError:
        time.sleep(0.01)
with open(pid_file + ".tmp", "w") as out:
    out.write(str(os.getpid()))
os.rename(pid_file + ".tmp", pid_file)
server.serve_forever()
"""


@pytest.fixture
def ana() -> Iterator[Site]:
    with fault_site("ana") as site:
        yield site


def model_project(site: Site, script: str, *, item_public: bool = False) -> Path:
    """A project whose config writes PRODUCT (`public: false` on the write item by default)
    with `script`."""
    config = write_config(PRODUCT, public=True, item_public=item_public)
    config = config.replace("script: python3 model.py", f"script: {script}")
    return make_project(site.root / "model", {"config.yaml": config})


def squatting_script(site: Site, folder: Path) -> tuple[str, Path]:
    """The model, then the squatter; the file the squatter writes its pid to."""
    squatter = folder / "squatter.py"
    squatter.write_text(SQUATTER)
    pid_file = folder / "squatter.pid"
    port = site.instance.env["FDP_REGISTRY_PORT"]
    return f'python3 model.py && python3 {squatter} "$REGISTRY_PID" {port} {pid_file}', pid_file


def stop_squatter(pid_file: Path) -> int:
    held = int(wait_for(lambda: _read(pid_file), what="the squatter's start"))
    os.kill(held, signal.SIGTERM)
    return held


def registry_pid(site: Site) -> int:
    site.ok("registry", "start")
    pid = site.json("registry", "status")["pid"]
    assert isinstance(pid, int), pid
    return pid


def run_json(site: Site, project: Path, **env: str) -> tuple[int, dict[str, Any], str]:
    """`fdpctl --json run config.yaml`: exit status, result, and the plain summary too."""
    result = site.fdpctl("--json", "run", "config.yaml", cwd=project, env=env)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    final = events[-1] if events else {}
    assert final.get("type") == "result", result.stdout + result.stderr
    return result.returncode, final["result"], result.stdout + result.stderr


def private_marks(site: Site, label: str) -> list[dict[str, Any]]:
    namespace, rest = label.split(":", 1)
    name, version = rest.split("@")
    [ns] = site.local("namespace", name=namespace)
    ns_id = ns["url"].rstrip("/").rsplit("/", 1)[1]
    [product] = site.local("data_product", name=name, version=version, namespace=ns_id)
    object_id = product["object"].rstrip("/").rsplit("/", 1)[1]
    marks = site.local("key_value", object=object_id, key="accessibility")
    return [mark for mark in marks if mark["value"] == "private"]


def local_item_names(site: Site) -> set[str]:
    status = site.json("status", "--all")
    return {entry["item"] for entry in status["names"].get("local", [])}


def test_registry_killed_after_the_model_keeps_the_jobs_records(ana: Site) -> None:
    project = model_project(ana, KILL_REGISTRY)
    pid = registry_pid(ana)

    status, result, _ = run_json(ana, project, MODEL_WRITES=PRODUCT, REGISTRY_PID=str(pid))

    assert status == 0
    assert not _alive(pid)
    assert len(result["code_runs"]) == 1, result
    assert result["items"] == 2 and result["next"] == f"fdpctl commit {result['job']}", result
    assert not [w for w in result["warnings"] if "could not" in w], result["warnings"]
    assert [o["item"] for o in result["outputs"]] == [LABEL]
    assert private_marks(ana, LABEL), "the public: false output was not marked private"
    assert LABEL in local_item_names(ana)
    assert ana.job_runs(result["job"]) == result["code_runs"]


def test_the_next_fdpd_finishes_a_jobs_bookkeeping(ana: Site, tmp_path: Path) -> None:
    script, squatter_pid = squatting_script(ana, tmp_path)
    project = model_project(ana, script)
    pid = registry_pid(ana)

    try:
        status, result, _ = run_json(ana, project, MODEL_WRITES=PRODUCT, REGISTRY_PID=str(pid))
        plain = ana.json("log", result["job"])
    finally:
        held = stop_squatter(squatter_pid)

    assert status == 0, result
    assert result["records_pending"] is True, result
    assert result["code_runs"] == [] and result["next"] == "", result
    [note] = [w for w in result["warnings"] if "could not look" in w]
    assert "fdp records what the job made" in note, note
    assert plain["records_pending"] is True, plain

    wait_for(lambda: not _alive(held), what="the squatter's end")
    ana.ok("daemon", "stop")
    names = local_item_names(ana)  # a new fdpd: it finishes the job's bookkeeping first

    assert LABEL in names, names
    job = ana.json("log", result["job"])
    assert job["records_pending"] is False and len(job["code_runs"]) == 1, job
    assert private_marks(ana, LABEL)


def test_fdpd_killed_while_it_waits_for_the_registry(ana: Site, tmp_path: Path) -> None:
    """fdpd dies (kill -9) during the job's bookkeeping: the script's end was kept first, so the
    next fdpd records what the job made instead of calling the job interrupted."""
    script, squatter_pid = squatting_script(ana, tmp_path)
    project = model_project(ana, script)
    pid = registry_pid(ana)

    env = {"MODEL_WRITES": PRODUCT, "REGISTRY_PID": str(pid)}
    running = start_fdpctl(ana, "run", "config.yaml", cwd=project, env=env)
    try:
        wait_for(lambda: _read(squatter_pid), what="the squatter's start")
        wait_for(lambda: _job_waits(ana), what="the job's bookkeeping")
        kill_fdpd(ana)
        running.communicate(timeout=30)
    finally:
        held = stop_squatter(squatter_pid)
    wait_for(lambda: not _alive(held), what="the squatter's end")

    names = local_item_names(ana)  # a new fdpd

    assert LABEL in names, names
    [job] = ana.json("log")["jobs"]
    assert (job["state"], job["exit_status"], job["records_pending"]) == ("succeeded", 0, False)
    assert len(job["code_runs"]) == 1, job
    assert private_marks(ana, LABEL)


def _job_waits(site: Site) -> bool:
    """The job's script has ended and fdpd waits for the registry (fdpd's log says so)."""
    log = site.instance.locations.daemon_log_path
    return log.exists() and "the local registry cannot be read" in log.read_text()


def test_the_summary_says_it_could_not_look(ana: Site, tmp_path: Path) -> None:
    """fdpctl's own words for a job whose bookkeeping is pending: never "no language API"."""
    script, squatter_pid = squatting_script(ana, tmp_path)
    project = model_project(ana, script, item_public=True)
    pid = registry_pid(ana)

    try:
        env = {"MODEL_WRITES": PRODUCT, "REGISTRY_PID": str(pid)}
        result = ana.fdpctl("run", "config.yaml", cwd=project, env=env)
        job_id = ana.json("log")["jobs"][0]["id"]
        commit = ana.fdpctl("commit", job_id)  # the registry is still away
        listing = ana.ok("log")
    finally:
        stop_squatter(squatter_pid)

    assert commit.returncode != 0  # it says why: the registry's port is another program's
    assert "no code run" not in commit.stderr and "port" in commit.stderr, commit.stderr
    assert "succeeded (records pending)" in listing, listing
    assert result.returncode == 0, result.stderr
    assert "language API" not in result.stderr, result.stderr
    assert "could not look" in result.stderr and "fdp records" in result.stderr, result.stderr


def test_push_withholds_what_a_working_config_marks_private(
    ana: Site, faulty: Faulty, tmp_path: Path
) -> None:
    """A model run outside `fdpctl run` (a language API given a working config by fdpd): no
    bookkeeping marks its `public: false` output, and pyDataPipeline registers the file public."""
    ana.add_remote(faulty.remote, url=f"{faulty.relay.url}/api/")
    project = model_project(ana, "python3 model.py")
    answer = ana.instance.post_json(
        "/v1/working-config", {"config_path": str(project / "config.yaml"), "create_folder": True}
    )
    assert answer.status == 200, answer.body
    made = answer.json()
    folder = Path(made["job_folder"])
    job = PdpJob(ana.store, folder, folder / "config.yaml", Path(made["script_path"]), project)
    token = (ana.instance.home / "data" / "tokens" / "ana.token").read_text().strip()
    env = job.environment(token) | {"MODEL_WRITES": PRODUCT}
    model = subprocess.run(
        [sys.executable, "model.py"], cwd=project, env=env, capture_output=True, text=True
    )
    assert model.returncode == 0, model.stderr
    assert not private_marks(ana, LABEL)  # nothing marked it: the registry says public

    ana.ok("commit", LABEL)
    _, final, _ = ana.stream_result("push")

    items = {item["item"]: item for item in final["result"]["items"]}
    assert items[LABEL]["status"] == "skipped", final
    assert "public: false" in items[LABEL]["reason"], items[LABEL]
    assert folder.name in items[LABEL]["reason"], items[LABEL]
    assert not faulty.remote.records("data_product", name=PRODUCT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
