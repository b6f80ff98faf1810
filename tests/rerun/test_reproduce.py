"""`fdpctl rerun` with the real fdpctl, fdpd, registry and pyDataPipeline: a deterministic model
reproduces (reading the recorded input versions, not newer ones), a model that writes the time
does not and the differing output is named; nothing is registered unless --keep."""

from __future__ import annotations

from pathlib import Path

from tests.rerun.conftest import (
    Fdp,
    counts,
    git,
    git_server,
    project,
    rerun,
    run,
    scratch_areas,
)

WRITE_A = """\
run_metadata:
  description: writes A
  script: python3 model.py
write:
  - data_product: rr/A
    description: product A
    file_type: csv
"""
A_TO_B = """\
run_metadata:
  description: reads A, writes B
  script: python3 model.py
read:
  - data_product: rr/A
write:
  - data_product: rr/B
    description: product B
    file_type: csv
"""
CLOCK = """\
run_metadata:
  description: writes the time
  script: python3 clock.py
write:
  - data_product: rr/fixed
    description: a constant
    file_type: csv
  - data_product: rr/clock
    description: the time
    file_type: csv
"""


def test_deterministic_model_reproduces_from_recorded_versions(fdp: Fdp, tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"a.yaml": WRITE_A, "b.yaml": A_TO_B})
    run(fdp, root, "a.yaml", MODEL_WRITES="rr/A", MODEL_VALUE="first")
    job = run(fdp, root, "b.yaml", MODEL_READS="rr/A", MODEL_WRITES="rr/B")
    # a newer A: a rerun that read it would write another B
    run(fdp, root, "a.yaml", MODEL_WRITES="rr/A", MODEL_VALUE="second")
    before = counts(fdp)

    done = rerun(fdp, str(job["id"]), MODEL_READS="rr/A", MODEL_WRITES="rr/B")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduced: 1 of 1 outputs identical" in done.stderr
    assert "finalised" in done.stdout
    assert counts(fdp) == before  # registers nothing
    assert scratch_areas(fdp) == []
    assert len(git(root, "worktree", "list").splitlines()) == 1  # the worktree went


def test_model_writing_the_time_is_not_reproduced(fdp: Fdp, tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"clock.yaml": CLOCK})
    job = run(fdp, root, "clock.yaml")
    before = counts(fdp)

    done = rerun(fdp, str(job["code_runs"][0])[:8])  # a uuid prefix names the run too

    assert done.returncode == 5, done.stdout + done.stderr
    assert "not reproduced: 1 of 2 outputs identical" in done.stderr
    table = done.stderr.split("not reproduced", 1)[1]
    assert "ana:rr/clock" in table
    assert "rr/fixed" not in table
    assert "2: 'time," in table  # the first differing line, numbered
    assert counts(fdp) == before
    assert scratch_areas(fdp) == []
    # the rerun's identical rr/fixed shared the original's file: removing the rerun kept it
    status, info = fdp.post("/v1/info", {"token": job["code_runs"][0]})
    assert status == 200, info
    assert [o["file"]["present"] for o in info["items"][0]["outputs"]] == [True, True]


def test_keep_makes_a_new_code_run_naming_the_original(fdp: Fdp, tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"a.yaml": WRITE_A.replace("rr/A", "rr/kept")})
    job = run(fdp, root, "a.yaml", MODEL_WRITES="rr/kept")
    original = str(job["code_runs"][0])
    product = fdp.registry("data_product", name="rr/kept")[0]
    before = counts(fdp)

    # the data product names the run that made it
    done = rerun(fdp, "--keep", f"ana:rr/kept@{product['version']}", MODEL_WRITES="rr/kept")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduced: 1 of 1 outputs identical; kept as code run" in done.stderr
    after = counts(fdp)
    assert after["code_run"] == before["code_run"] + 1
    assert after["data_product"] == before["data_product"] + 1
    kept = fdp.get("/v1/reruns?limit=1")["reruns"][0]
    assert kept["kept"] and kept["code_run"] == original
    new_run = fdp.registry("code_run", uuid=kept["new_code_run"])[0]
    assert new_run["description"].startswith(f"rerun of code run {original}: writes A")
    versions = sorted(p["version"] for p in fdp.registry("data_product", name="rr/kept"))
    assert versions == ["0.0.1", "0.0.2"]
    assert f"next: fdpctl commit {kept['job']}" in done.stderr
    committed = fdp.fdpctl("commit", kept["new_code_run"])
    assert committed.returncode == 0, committed.stdout + committed.stderr


def test_code_comes_from_a_clone_when_the_local_repository_is_gone(
    fdp: Fdp, tmp_path: Path
) -> None:
    served = tmp_path / "served"
    git(tmp_path, "init", "-q", "--bare", str(served / "model.git"))
    with git_server(served) as url:
        config = WRITE_A.replace("rr/A", "rr/cloned")
        root = project(tmp_path / "p", {"a.yaml": config}, remote=f"{url}/model.git")
        git(root, "push", "-q", "origin", "main")
        job = run(fdp, root, "a.yaml", MODEL_WRITES="rr/cloned")
        root.rename(tmp_path / "moved")
        before = counts(fdp)

        done = rerun(fdp, str(job["id"]), MODEL_WRITES="rr/cloned")

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"code: clone of {url}/model.git at " in done.stdout
    assert "reproduced: 1 of 1 outputs identical" in done.stderr
    assert counts(fdp) == before
    assert scratch_areas(fdp) == []


def test_an_output_not_made_and_a_model_that_fails_are_not_reproduced(
    fdp: Fdp, tmp_path: Path
) -> None:
    root = project(tmp_path / "p", {"a.yaml": WRITE_A.replace("rr/A", "rr/flaky")})
    job = run(fdp, root, "a.yaml", MODEL_WRITES="rr/flaky")
    before = counts(fdp)

    # the model's environment decides: this time it writes nothing
    missing = rerun(fdp, str(job["id"]), MODEL_WRITES="")
    assert missing.returncode == 5, missing.stdout + missing.stderr
    assert "not reproduced: 0 of 1 outputs identical" in missing.stderr
    assert "(not made)" in missing.stderr.split("not reproduced", 1)[1]

    # and now it fails (a read the working config does not have)
    failed = rerun(fdp, str(job["id"]), MODEL_READS="nothing", MODEL_WRITES="rr/flaky")
    assert failed.returncode == 5, failed.stdout + failed.stderr
    assert "not reproduced: the model failed in the rerun (exit status 1" in failed.stderr
    assert counts(fdp) == before
    assert scratch_areas(fdp) == []
    verdicts = [r["verdict"] for r in fdp.get("/v1/reruns?limit=2")["reruns"]]
    assert verdicts == ["failed", "differs"]
