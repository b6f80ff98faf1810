"""`register:` items through fdpctl's code and the daemon app in process (tests/pull/in_process.py):
download, SHA-1, file in the data store, local records, pull records that `generate` uses, and
what a failed download leaves (nothing). tests/pull/test_register_then_run.py runs real models
on what was registered."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.pull.configs import cache_config, register_config
from tests.pull.in_process import Fdp, fdp, plain_project, pulling, remote
from tests.run.conftest import job_folders

__all__ = ["fdp", "pulling", "remote"]


def test_bump_token_makes_a_new_version_only_for_a_new_file(fdp: Fdp, tmp_path: Path) -> None:
    source = tmp_path / "gauges.csv"
    source.write_bytes(b"gauge\n1\n")
    text = register_config(source, namespace="bumps", name="gauges", version="${{PATCH}}")
    project = plain_project(tmp_path / "project", {"config.yaml": text})
    config = project / "config.yaml"

    first = fdp.pull(config)
    again = fdp.pull(config)
    source.write_bytes(b"gauge\n1\n2\n")
    changed = fdp.pull(config)

    assert "bumps:gauges@0.0.1" in [
        i["item"] for i in first["items"] if i["status"] == "registered"
    ]
    assert [i["status"] for i in again["items"] if i["item"].startswith("bumps:")] == ["present"]
    assert again["records_created"] == 0
    assert "bumps:gauges@0.0.2" in [
        i["item"] for i in changed["items"] if i["status"] == "registered"
    ]
    assert fdp.versions("bumps", "gauges") == ["0.0.1", "0.0.2"]
    assert (fdp.store / "bumps" / "gauges" / "0.0.1.csv").read_bytes() == b"gauge\n1\n"
    working = yaml.safe_load(fdp.ok("generate", "config.yaml", cwd=project))
    assert working["read"][0]["use"]["version"] == "0.0.2"  # the pull record of the last pull


def test_changed_file_under_an_explicit_version_is_refused(fdp: Fdp, tmp_path: Path) -> None:
    source = tmp_path / "levels.csv"
    source.write_bytes(b"level\n3\n")
    text = register_config(source, namespace="explicit", name="levels", version="1.0.0")
    config = plain_project(tmp_path / "project", {"config.yaml": text}) / "config.yaml"
    fdp.pull(config)
    source.write_bytes(b"level\n4\n")

    status, events = fdp.stream("pull", str(config))

    assert status == 1
    [failed] = [i for i in events[-1]["result"]["items"] if i["status"] == "failed"]
    assert failed["item"] == "explicit:levels"
    assert "registered already with a different file" in failed["reason"]
    assert fdp.versions("explicit", "levels") == ["1.0.0"]
    assert (fdp.store / "explicit" / "levels" / "1.0.0.csv").read_bytes() == b"level\n3\n"
    assert not list(fdp.store.glob(".pull-*"))


def test_failed_download_leaves_nothing_behind(fdp: Fdp, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "gone.csv"
    text = register_config(missing, namespace="ghost", name="gone", version="1.0.0")
    config = plain_project(tmp_path / "project", {"config.yaml": text}) / "config.yaml"
    jobs = job_folders(fdp.store)

    result = fdp.fdpctl("pull", str(config))

    assert result.returncode == 1
    assert "ghost:gone" in result.stderr and "register source" in result.stderr
    assert "gone.csv does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert fdp.versions("ghost", "gone") == []
    assert not (fdp.store / "ghost" / "gone").exists()
    assert not list(fdp.store.glob(".pull-*"))
    assert job_folders(fdp.store) == jobs
    generate = fdp.fdpctl("generate", "config.yaml", cwd=config.parent)
    assert generate.returncode == 1 and "fdpctl pull" in generate.stderr


def test_a_use_cache_read_without_an_exact_version_is_refused(fdp: Fdp, tmp_path: Path) -> None:
    cached = tmp_path / "t.csv"
    cached.write_bytes(b"x\n1\n")
    project = plain_project(
        tmp_path / "project", {"config.yaml": cache_config(str(cached), None, "unversioned")}
    )

    result = fdp.fdpctl("pull", str(project / "config.yaml"))

    assert result.returncode == 1
    assert "config.yaml:8:14: read[0].use.cache" in result.stderr
    assert "use.cache needs an exact version" in result.stderr
    assert "Traceback" not in result.stderr
    assert fdp.versions("unversioned", "cached/table") == []
