"""FAIR-CLI 0.11.0 as the oracle (issue 24): every config it runs means the same in fdp.

Both tools see the same registry state: FAIR-CLI 0.11.0 (its own venv, FDP_TEST_FAIRCLI_VENV,
default /opt/faircli-venv) with the reference registry as its local registry, and a real fdpd
whose local registry holds the same data products. For every config of the peers
(FDP_TEST_PEERS/configs, default ../shared/peers) and every generated variant (cases.py), FAIR-CLI's
verdict and working config (what `fair run --dirty --local --rehearse` prepares, driven in one
process by faircli_driver.py) are compared with `fdpctl generate`'s: accepted alike, and the same
read and write entries (namespace, name, version). A difference must be one cases.DELIBERATE
lists, with fdp saying so at the config's line. The table is written to FDP_TEST_FAIRCLI_TABLE
when set.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.reference_registry import reference_settings

from .cases import DELIBERATE, VARIANTS, WARNED, peer_configs
from .oracle import seed

REPO = Path(__file__).resolve().parents[2]
FAIRCLI_VENV = Path(os.environ.get("FDP_TEST_FAIRCLI_VENV", "/opt/faircli-venv"))
PEERS = Path(os.environ.get("FDP_TEST_PEERS", REPO.parent / "shared" / "peers"))
DRIVER = Path(__file__).with_name("faircli_driver.py")
GIT = ["git", "-c", "user.name=Ana", "-c", "user.email=ana@example.org", "-c", "commit.gpgsign=0"]

Entry = tuple[str, str, str]
LOCATED = re.compile(r"/config\.yaml:\d+:\d+: ")  # FILE:LINE:COLUMN of the case's config


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reads: tuple[Entry, ...] = ()
    writes: tuple[Entry, ...] = ()
    said: str = ""  # the error, or the warnings

    def entries(self) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
        return tuple(sorted(self.reads)), tuple(sorted(self.writes))


@dataclass(frozen=True)
class Row:
    case: str
    faircli: Verdict
    fdp: Verdict

    @property
    def agree(self) -> bool:
        if self.faircli.accepted != self.fdp.accepted:
            return False
        return not self.fdp.accepted or self.faircli.entries() == self.fdp.entries()

    def difference(self) -> str:
        if self.faircli.accepted != self.fdp.accepted:
            taken = "FAIR-CLI accepts, fdp refuses" if self.faircli.accepted else "fdp accepts"
            return taken
        return f"FAIR-CLI {self.faircli.entries()} / fdp {self.fdp.entries()}"


def _skip_without_oracle() -> None:
    if not (FAIRCLI_VENV / "bin" / "python").exists():
        pytest.skip(f"no FAIR-CLI 0.11.0 venv at {FAIRCLI_VENV} (bash .ci/run installs it)")
    if not (PEERS / "configs").is_dir():
        pytest.skip(f"no peer configs at {PEERS / 'configs'} (../shared/peers is absent)")


def _git(project: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=project, check=True, capture_output=True, timeout=60)


def _unshare() -> list[str]:
    """`unshare -n` (as root) or `unshare -rn`, whichever makes a network namespace here."""
    for command in (["unshare", "-n"], ["unshare", "-rn"]):
        with contextlib.suppress(OSError):
            probe = subprocess.run([*command, "true"], capture_output=True, timeout=30)
            if probe.returncode == 0:
                return command
    pytest.skip("no private network namespace (`unshare -n`) for the reference registry on 8000")


def ask_oracle(work: Path, project: Path, driver: Path, cases: dict[str, Path]) -> dict[str, Any]:
    """FAIR-CLI 0.11.0's answer per case id: `driver` run by oracle.py (the reference registry on
    127.0.0.1:8000) in a network namespace of its own."""
    source, venv, script = reference_settings()
    job = {
        "project": str(project),
        "work": str(work),
        "faircli_python": str(FAIRCLI_VENV / "bin" / "python"),
        "driver": str(driver),
        "refreg": {"src": str(source), "venv": str(venv), "script": str(script)},
        "cases": [{"id": k, "config": str(p)} for k, p in cases.items()],
    }
    (work / "job.json").write_text(json.dumps(job))
    done = subprocess.run(
        [*_unshare(), sys.executable, "-m", "tests.faircli.oracle", "job.json", "answer.json"],
        cwd=work,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    answers: dict[str, Any] = json.loads((work / "answer.json").read_text())
    return answers


def _faircli_verdicts(work: Path, project: Path, configs: dict[str, Path]) -> dict[str, Verdict]:
    """FAIR-CLI 0.11.0's verdicts, from oracle.py in a network namespace of its own."""
    answers: dict[str, dict[str, Any]] = ask_oracle(work, project, DRIVER, configs)
    return {
        case: Verdict(
            answer["accepted"],
            tuple(tuple(e) for e in answer.get("read", [])),  # type: ignore[misc]
            tuple(tuple(e) for e in answer.get("write", [])),  # type: ignore[misc]
            answer.get("error", ""),
        )
        for case, answer in answers.items()
    }


def _entries(items: list[dict[str, Any]] | None) -> tuple[Entry, ...]:
    return tuple(
        (i["use"]["namespace"], i["use"]["data_product"], str(i["use"]["version"]))
        for i in items or []
    )


def _fdp_verdict(fdp: FdpInstance, project: Path, config: Path, out: Path) -> Verdict:
    done = subprocess.run(
        [str(FDPCTL), "generate", str(config), "-o", str(out), "--dirty"],
        cwd=project,
        env=fdp.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode != 0:
        return Verdict(False, said=done.stdout + done.stderr)
    working = yaml.safe_load(out.read_text())
    return Verdict(True, _entries(working.get("read")), _entries(working.get("write")), done.stderr)


@pytest.fixture(scope="module")
def table() -> Iterator[list[Row]]:
    _skip_without_oracle()
    work = Path(tempfile.mkdtemp(prefix="fdp-faircli-", dir="/tmp"))
    try:
        project = work / "project"
        project.mkdir()
        _git(project, "init", "-q", "-b", "main")
        _git(project, "remote", "add", "origin", "https://git.example.org/ana/model.git")
        texts = {**peer_configs(PEERS / "configs", project, work / "faircli-store"), **VARIANTS}
        configs = {}
        for case, text in texts.items():
            path = project / "configs" / case / "config.yaml"
            path.parent.mkdir(parents=True)
            path.write_text(text)
            configs[case] = path
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "configs")
        faircli = _faircli_verdicts(work, project, configs)
        extra = {"FDP_REGISTRY_PORT": str(free_port())}
        with FdpInstance(work / "fdp-home", extra) as fdp:
            fdp.start_daemon()
            configured = fdp.run_fdpctl(
                "config", "ana", "--data-store", str(work / "fdp-store"), "--name", "Ana Example"
            )
            assert configured.returncode == 0, configured.stderr
            token = (fdp.home / "data" / "tokens" / "ana.token").read_text().strip()
            registry = f"http://127.0.0.1:{extra['FDP_REGISTRY_PORT']}"
            seed(registry, token, f"file://{work}/fdp-store/")
            rows = [
                Row(case, faircli[case], _fdp_verdict(fdp, project, path, work / f"{case}.yaml"))
                for case, path in configs.items()
            ]
            fdp.run_fdpctl("daemon", "stop")
        _write_table(rows)
        yield rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_table(rows: list[Row]) -> None:
    target = os.environ.get("FDP_TEST_FAIRCLI_TABLE")
    if not target:
        return
    lines = ["| case | FAIR-CLI 0.11.0 | fdp | agree | reason |", "|---|---|---|---|---|"]
    for row in rows:
        deliberate = DELIBERATE.get(row.case)
        reason = deliberate.reason if deliberate and not row.agree else ""
        if not row.agree and not deliberate:
            reason = "UNEXPLAINED: " + row.difference()
        lines.append(
            f"| {row.case} | {_shown(row.faircli)} | {_shown(row.fdp)} | "
            f"{'yes' if row.agree else 'no'} | {reason} |"
        )
    Path(target).write_text("\n".join(lines) + "\n")


def _shown(verdict: Verdict) -> str:
    if not verdict.accepted:
        first = verdict.said.strip().splitlines()[0] if verdict.said.strip() else ""
        return f"refused: {first[:160]}".replace("|", "/")
    reads, writes = verdict.entries()
    parts = [f"R {ns}:{n}@{v}" for ns, n, v in reads] + [f"W {ns}:{n}@{v}" for ns, n, v in writes]
    return "accepted" + (": " + ", ".join(parts) if parts else "")


def test_every_difference_is_deliberate_and_said(table: list[Row]) -> None:
    unexplained = [
        f"{r.case}: {r.difference()}" for r in table if not r.agree and r.case not in DELIBERATE
    ]
    assert unexplained == [], "\n".join(unexplained)
    for row in table:
        deliberate = DELIBERATE.get(row.case)
        if deliberate is None:
            continue
        assert not row.agree, (
            f"{row.case} is listed as deliberate but agrees: drop it from the list"
        )
        assert LOCATED.search(row.fdp.said) and deliberate.fdp_says in row.fdp.said, (
            row.case,
            row.fdp.said,
        )


def test_wildcard_star_stays_in_one_segment_in_both(table: list[Row]) -> None:
    """The issue's example: `real/data/U/*` reads U/1 and U/2, not U/thing/1, in both tools."""
    [row] = [r for r in table if r.case == "star-at-end"]
    assert row.agree
    assert {name for _, name, _ in row.fdp.reads} == {"real/data/U/1", "real/data/U/2"}
    assert "real/data/U/thing/1" in row.fdp.said and "real/data/U/**" in row.fdp.said


def test_fdp_warns_where_it_reads_alike_but_acts_otherwise(table: list[Row]) -> None:
    by_case = {r.case: r for r in table}
    for case, text in WARNED.items():
        row = by_case[case]
        assert row.agree, (case, row.difference())
        assert LOCATED.search(row.fdp.said) and text in row.fdp.said, (case, row.fdp.said)
