"""`fdpctl rerun` refuses what it cannot rerun with a clear error, registers nothing and leaves no
scratch area: an ITEM naming nothing, a run without a code repo release (and `--script-only`
then), an input whose SHA-1 no longer matches, a commit whose repository is gone and whose
remote is down. Real fdpctl, fdpd, registry and pyDataPipeline."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.rerun.conftest import MODEL, Fdp, counts, project, rerun, run, scratch_areas
from tests.rerun.test_reproduce import A_TO_B, WRITE_A

# The whole model inside the script: it needs nothing of the repository.
INLINE = (
    "run_metadata:\n"
    "  description: the model in the script\n"
    "  script: |\n"
    "    python3 - <<'MODEL'\n"
    + "".join(f"    {line}\n" for line in MODEL.splitlines())
    + "    MODEL\n"
    "write:\n"
    "  - data_product: rr/inline\n"
    "    description: inline\n"
    "    file_type: csv\n"
)


def refused(fdp: Fdp, before: dict[str, int], *args: str, **env: str) -> str:
    """Run `fdpctl rerun ARGS`, which must fail as fdp's own failure (exit 1) and leave nothing;
    its message."""
    jobs = set((fdp.store / "jobs").iterdir())
    done = rerun(fdp, *args, **env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal" not in done.stderr
    assert counts(fdp) == before
    assert scratch_areas(fdp) == []
    assert set((fdp.store / "jobs").iterdir()) == jobs  # no job folder left
    return done.stderr


def test_an_item_that_names_nothing(fdp: Fdp, tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"a.yaml": WRITE_A.replace("rr/A", "rr/some")})
    run(fdp, root, "a.yaml", MODEL_WRITES="rr/some")
    before = counts(fdp)
    message = refused(fdp, before, "feedface")
    assert "nothing in the local registry or the journal matches 'feedface'" in message
    message = refused(fdp, before, "ana:rr/some@9.9.9")
    assert "no data product ana:rr/some@9.9.9 in the local registry" in message


def test_a_run_without_code_repo_release_and_script_only(fdp: Fdp, tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"inline.yaml": INLINE})
    job = run(fdp, root, "inline.yaml", MODEL_WRITES="rr/inline")
    uuid = str(job["code_runs"][0])
    code_run = fdp.registry("code_run", uuid=uuid)[0]
    # a record without a code repo, as producers that register none (or other tools) leave it
    cut = httpx.patch(
        code_run["url"],
        json={"code_repo": None},
        headers={"Authorization": f"token {fdp.token()}"},
    )
    assert cut.status_code == 200, cut.text
    before = counts(fdp)

    message = refused(fdp, before, uuid, MODEL_WRITES="rr/inline")
    assert f"code run {uuid} records no code repo release" in message
    assert "--script-only" in message

    done = rerun(fdp, "--script-only", uuid, MODEL_WRITES="rr/inline")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduced: 1 of 1 outputs identical" in done.stderr
    assert counts(fdp) == before
    assert scratch_areas(fdp) == []


def test_an_input_whose_sha1_no_longer_matches(fdp: Fdp, tmp_path: Path) -> None:
    writes = WRITE_A.replace("rr/A", "rr/tamper")
    reads = A_TO_B.replace("rr/A", "rr/tamper").replace("rr/B", "rr/from-tamper")
    root = project(tmp_path / "p", {"a.yaml": writes, "b.yaml": reads})
    run(fdp, root, "a.yaml", MODEL_WRITES="rr/tamper")
    job = run(fdp, root, "b.yaml", MODEL_READS="rr/tamper", MODEL_WRITES="rr/from-tamper")
    status, info = fdp.post("/v1/info", {"token": "ana:rr/tamper@0.0.1"})
    assert status == 200, info
    stored = Path(info["items"][0]["file"]["path"])
    os.chmod(stored, 0o644)
    stored.write_text("edited\n")
    before = counts(fdp)

    message = refused(
        fdp, before, str(job["id"]), MODEL_READS="rr/tamper", MODEL_WRITES="rr/from-tamper"
    )
    assert "ana:rr/tamper@0.0.1" in message and "has changed" in message


def test_a_commit_that_cannot_be_had(fdp: Fdp, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/model.git"  # nothing listens: the remote is down
    config = WRITE_A.replace("rr/A", "rr/gone")
    root = project(tmp_path / "p", {"a.yaml": config}, remote=down)
    job = run(fdp, root, "a.yaml", MODEL_WRITES="rr/gone")
    root.rename(tmp_path / "moved")  # the local repository is no longer where the run was made
    before = counts(fdp)

    message = refused(fdp, before, str(job["code_runs"][0]), MODEL_WRITES="rr/gone")
    assert f"cannot be had from {root} or {down}" in message
    assert "--script-only" in message
