"""`fdpctl delete [--force] TOKEN|PATH` in process (fdpctl's own code, the daemon app and its
local registry in process: tests/push/in_process.py; real pyDataPipeline runs): refusals
(unsynced, depended upon), then deleting a job, a data product and a file path, with their files
and journal items. delete with the real fdpctl, fdpd and registry processes:
tests/supervisor/test_reference_as_local.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.housekeeping.conftest import (
    check_journal_matches_registry,
    files_in,
    job_row,
    journal_rows,
    products,
    read_config,
    registry_paths,
    seed_products,
    unreferenced_files,
)
from tests.push.in_process import Remote, Site, fdp_site, remote_registry, write_config


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    with remote_registry(tmp_path_factory.mktemp("delete-remote")) as shared:
        yield shared


def refused(site: Site, *args: str) -> dict[str, str]:
    result = site.fdpctl("--json", "delete", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    error: dict[str, str] = json.loads(result.stdout)["error"]
    return error


def test_delete_refuses_then_removes_a_job_a_data_product_and_a_file(remote: Remote) -> None:
    sha1 = seed_products(remote, "bob", {"del/input": (b"x,1\n", False)})["del/input"]
    with fdp_site("ana") as ana:
        ana.add_remote(remote)
        project = ana.project(
            "model",
            {
                "pull.yaml": read_config("del/input"),
                "first.yaml": write_config("del/first"),
                "second.yaml": read_config("del/first", namespace="ana", writes="del/second"),
            },
        )
        ana.ok("pull", "pull.yaml", cwd=project)
        first = ana.run_model(project, "first.yaml", MODEL_WRITES="del/first")
        second = ana.run_model(
            project, "second.yaml", MODEL_READS="del/first", MODEL_WRITES="del/second"
        )
        assert first["exit_status"] == second["exit_status"] == 0, second["output"]
        [second_run] = ana.job_runs(second["id"])
        records, files = registry_paths(ana), files_in(ana.store)

        unsynced = refused(ana, second["id"])
        assert unsynced["code"] == "unsynced_item" and "--force" in unsynced["hint"]
        depended = refused(ana, "--force", "ana:del/first@0.0.1")
        assert depended["code"] == "depended_upon"
        assert f"code run {second_run} (uses it)" in depended["message"]
        assert refused(ana, "--force", first["id"])["code"] == "depended_upon"
        assert registry_paths(ana) == records and files_in(ana.store) == files

        shown = ana.ok("delete", "--force", "--dry-run", second["id"])
        assert "would remove" in shown and "dry run: nothing was removed" in shown
        planned = ana.json("delete", "--force", "--dry-run", second["id"])
        deleted = ana.json("delete", "--force", second["id"])

        assert {k: v for k, v in planned.items() if k != "dry_run"} == {
            k: v for k, v in deleted.items() if k != "dry_run"
        }
        assert deleted["items"] == [f"code run {second_run}"]
        assert deleted["records_by_kind"]["code_run"] == 1
        assert deleted["records_by_kind"]["data_product"] == 1  # its output, del/second
        assert "del/second@0.0.1" not in products(ana)
        assert "del/first@0.0.1" in products(ana)  # its input belongs to the first run
        gone = {Path(f["file"]).relative_to(ana.store).parts[0] for f in deleted["file_list"]}
        assert gone == {"ana", "jobs"}  # the output and the job's working config
        assert not any(p.exists() for p in map(Path, (f["file"] for f in deleted["file_list"])))
        assert not ana.local("code_run", uuid=second_run)

        # Nothing depends on the first run any more: the job goes, with its output and folder.
        job_folder = Path(first["folder"])
        assert job_folder.is_dir()
        shown = ana.ok("delete", "--force", first["id"])
        assert f"removed job folder {job_folder}" in shown and "1 data_product" in shown
        assert not job_folder.exists()
        [job] = [j for j in ana.json("log")["jobs"] if j["id"] == first["id"]]
        assert job["state"] == "deleted", job
        assert "deleted" in job_row(ana.ok("log"), first["id"])
        # A file path: the pulled input, synced, needs no --force.
        input_file = files_in(ana.store)[sha1]
        by_path = ana.json("delete", str(input_file))

        assert by_path["items"] == ["bob:del/input@1.0.0"]
        assert not input_file.exists() and products(ana) == set()
        counts = ana.status_counts()
        assert not counts["local"] and not counts["pulled"].get("data_product"), counts
        check_journal_matches_registry(ana)
        removals = journal_rows(ana, "SELECT reason, state FROM removal WHERE type='code_run'")
        assert sorted(removals) == [("delete", "local"), ("delete", "local")]
        missing = ana.fdpctl("delete", second["id"])
        assert missing.returncode == 1 and "was deleted already" in missing.stderr


def test_a_file_that_cannot_be_deleted_is_reported_and_the_delete_exits_1(
    remote: Remote,
) -> None:
    """FAULT INJECTION: the output file is made immutable (`chattr +i`, which even root cannot
    unlink); the records go, the file stays, and fdpctl says so and exits 1."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr (e2fsprogs) is not installed")
    with fdp_site("ana") as ana:
        ana.add_remote(remote)
        project = ana.project("model", {"run.yaml": write_config("del/stuck")})
        run = ana.run_model(project, "run.yaml", MODEL_WRITES="del/stuck")
        assert run["exit_status"] == 0, run["output"]
        [output] = [p for p in files_in(ana.store).values() if "stuck" in str(p)]
        if subprocess.run(["chattr", "+i", str(output)], capture_output=True).returncode != 0:
            pytest.skip(f"this file system cannot make {output} immutable")
        try:
            result = ana.fdpctl("delete", "--force", run["id"])
        finally:
            subprocess.run(["chattr", "-i", str(output)], check=True)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"problem: cannot delete {output}: Operation not permitted" in result.stdout
        assert "delete them yourself" in result.stdout
        assert "del/stuck@0.0.1" not in products(ana) and output.exists()
        check_journal_matches_registry(ana)


def test_deleting_a_code_run_removes_its_job_folder_and_a_failed_job_goes_by_its_id() -> None:
    """issue 21 item 4: after `delete --force CODE_RUN` the job folder was left for good, `log`
    said succeeded and `delete JOB` failed; a failed job without a code run could not be
    deleted at all ("nothing to commit")."""
    with fdp_site("ana") as ana:
        project = ana.project(
            "model", {"write.yaml": write_config("jf/out"), "fail.yaml": FAILING_CONFIG}
        )
        job = ana.run_model(project, "write.yaml", MODEL_WRITES="jf/out")
        assert job["exit_status"] == 0, job["output"]
        [run] = ana.job_runs(job["id"])
        folder = Path(job["folder"])
        assert folder.is_dir()

        shown = ana.ok("delete", "--force", run)

        assert f"removed job folder {folder}" in shown
        assert not folder.exists() and not ana.local("code_run", uuid=run)
        assert "deleted" in job_row(ana.ok("log"), job["id"])
        again = ana.fdpctl("delete", job["id"])
        assert again.returncode == 1 and "was deleted already" in again.stderr

        failed = ana.run_model(project, "fail.yaml")
        assert failed["exit_status"] == 4 and ana.job_runs(failed["id"]) == []
        failed_folder = Path(failed["folder"])
        assert failed_folder.is_dir()

        planned = ana.ok("delete", "--force", "--dry-run", failed["id"])
        assert "recorded no code run" in planned and failed_folder.is_dir()
        shown = ana.ok("delete", "--force", failed["id"])

        assert "recorded no code run" in shown and f"removed job folder {failed_folder}" in shown
        assert "nothing to commit" not in shown
        assert not failed_folder.exists()
        assert "deleted" in job_row(ana.ok("log"), failed["id"])
        assert unreferenced_files(ana) == set()


FAILING_CONFIG = "run_metadata:\n  description: fails before any run\n  script: exit 3\n"
