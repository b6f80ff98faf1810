"""20 fdpctl commands at once against one fdpd, its local registry and one remote: status,
generate, run and pull, five of each. All succeed, nothing reports `database is locked`, every
operation and job has an outcome, and the local registry holds no duplicates."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from tests.faults.conftest import fault_site, faulty_remote, journal, local_view, read_config
from tests.faults.consistency import (
    assert_journal_settled,
    assert_registry_consistent,
    assert_store_clean,
)
from tests.fdp_process import FDPCTL
from tests.push.processes import Site, write_config
from tests.run.conftest import make_project

EACH = 5  # commands of each kind


def run_config(n: int) -> str:
    """A model writing `load/out<n>`. Every job's script is byte-identical on purpose: fdpd
    registers a job's script before it starts, so pyDataPipeline's check-then-create in
    `initialise` cannot race with another job's (it failed with "Could not return existing
    Entry" when it did)."""
    return write_config(f"load/out{n}")


READS = [("shared", f"inputs/table{n}") for n in range(3)]


def start(site: Site, project: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FDPCTL), *args],
        cwd=project,
        env={**site.instance.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def daemon_log(site: Site) -> str:
    """The end of fdpd's log, to say what an internal error was."""
    log = site.instance.locations.daemon_log_path
    return "\nfdpd.log:\n" + log.read_text(errors="replace")[-6000:] if log.exists() else ""


def test_twenty_commands_at_once(tmp_path: Path) -> None:
    with faulty_remote(tmp_path / "remote") as remote, fault_site("ana") as ana:
        ana.add_remote(remote.remote, url=f"{remote.relay.url}/api/")
        pulled = {remote.publish(ns, name, f"{name}\n".encode()) for ns, name in READS}
        configs = {f"run{n}.yaml": run_config(n) for n in range(EACH)}
        project = make_project(tmp_path / "model", {**configs, "pull.yaml": read_config(*READS)})
        runs_before = len(journal(ana).operations("run"))

        commands = [
            *(start(ana, project, "status") for _ in range(EACH)),
            *(start(ana, project, "generate", f"run{n}.yaml") for n in range(EACH)),
            *(
                start(ana, project, "run", f"run{n}.yaml", MODEL_WRITES=f"load/out{n}")
                for n in range(EACH)
            ),
            *(start(ana, project, "pull", "pull.yaml") for _ in range(EACH)),
        ]
        outcomes = [(*c.communicate(timeout=180), c.returncode) for c in commands]

        for command, (out, err, status) in zip(commands, outcomes, strict=True):
            assert status == 0, f"{command.args!r}: {out[-4000:]}{err[-4000:]}{daemon_log(ana)}"
            assert "database is locked" not in out + err
            assert "Traceback" not in err
        view = journal(ana)
        assert_journal_settled(view)
        assert Counter(view.operations("run")[runs_before:]) == {"succeeded": EACH}
        assert Counter(view.operations("pull")) == {"succeeded": EACH}
        assert Counter(view.job_states().values()) == {"succeeded": EACH}
        local = local_view(ana)
        assert_registry_consistent(local, ana.store)
        outputs = {key for key in local.products() if ":load/out" in key}
        assert len(outputs) == EACH
        assert pulled <= local.products()
        assert view.items("pulled", "data_product") == len(READS)
        assert_store_clean(ana.store)
