"""`fdpctl run` and `generate` from the user's side: errors, failures, exit status, streaming,
dry runs, git states, wildcards."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml

from tests.fdp_process import FDPCTL
from tests.run.conftest import Fdp, git, job_folders, last_job_id, make_project


def config(description: str, script: str, body: str = "") -> str:
    return f"run_metadata:\n  description: {description}\n  script: {script}\n{body}"


WRITE_X = """\
write:
  - data_product: {name}
    description: output {name}
    file_type: csv
"""


def test_typo_in_a_key_is_reported_with_line_and_column(fdp: Fdp, tmp_path: Path) -> None:
    text = "run_metadata:\n  descripton: typo\n  script: echo hi\n"
    project = make_project(tmp_path / "typo", {"config.yaml": text})
    result = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert result.returncode == 1
    assert f"{project / 'config.yaml'}:2:3" in result.stderr
    assert "description" in result.stderr  # the suggestion
    assert "Traceback" not in result.stderr + result.stdout
    assert not list((fdp.store / "jobs").glob("*/config.yaml")) or all(
        "descripton" not in p.read_text() for p in (fdp.store / "jobs").glob("*/config.yaml")
    )


def test_duplicate_write_is_refused(fdp: Fdp, tmp_path: Path) -> None:
    body = WRITE_X.format(name="dup/x") + WRITE_X.format(name="dup/x").replace("write:\n", "")
    project = make_project(tmp_path / "dup", {"config.yaml": config("dup", "echo hi", body)})
    result = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert result.returncode == 1
    assert "dup/x" in result.stderr and "Traceback" not in result.stderr
    assert "hi" not in result.stdout  # nothing ran


def test_missing_input_version_is_named(fdp: Fdp, tmp_path: Path) -> None:
    body = "read:\n  - data_product: nowhere/input\n    version: 9.9.9\n"
    project = make_project(tmp_path / "missing", {"config.yaml": config("m", "echo hi", body)})
    before = job_folders(fdp.store)
    result = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert result.returncode == 1
    assert "nowhere/input" in result.stderr and "9.9.9" in result.stderr
    assert "fdpctl pull" in result.stderr
    assert job_folders(fdp.store) == before  # no job folder left behind


def test_failed_script_is_recorded_with_its_registry_leftovers(fdp: Fdp, tmp_path: Path) -> None:
    body = WRITE_X.format(name="fail/out")
    project = make_project(
        tmp_path / "fail", {"config.yaml": config("fails", "python3 model.py", body)}
    )
    env = {"MODEL_WRITES": "fail/out", "MODEL_FAIL": "3"}
    result = fdp.fdpctl("run", "config.yaml", cwd=project, env=env)
    assert result.returncode == 4, result.stderr  # the model failed (it exited 3)
    assert "the model exited with status 3" in result.stderr
    assert "failing on purpose" in result.stdout
    job = fdp.job(last_job_id(fdp))
    assert job["state"] == "failed" and job["exit_status"] == 3
    assert not (Path(job["folder"]) / "coderuns.txt").exists()
    # the code run initialise made is found through the job's config and marked failed
    (run_uuid,) = job["code_runs"]
    assert fdp.registry("code_run", uuid=run_uuid)
    states = {(i["type"], i["state"]) for i in job["items"]}
    assert ("code_run", "failed") in states and ("storage_location", "failed") in states
    assert {i["state"] for i in job["items"]} == {"failed"}


def test_exit_status_of_a_killed_script(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "kill", {"config.yaml": config("k", "kill -TERM $$")})
    result = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert result.returncode == 4  # the model failed
    assert "killed by signal 15" in result.stderr


def test_output_is_streamed_as_it_comes(fdp: Fdp, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    script = (
        f"|\n    echo first line\n    while [ ! -f {gate} ]; do sleep 0.05; done\n    echo second"
    )
    project = make_project(tmp_path / "stream", {"config.yaml": config("s", script)})
    process = subprocess.Popen(
        [str(FDPCTL), "run", "config.yaml"],
        cwd=project,
        env=fdp.instance.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "first line\n"  # arrives while the script waits
        gate.touch()
        assert process.stdout.readline() == "second\n"
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.communicate()
    job_id = last_job_id(fdp)
    assert fdp.get(f"/v1/jobs/{job_id}/log")["lines"] == ["first line", "second"]
    shown = fdp.fdpctl("log", job_id[:-3])  # a unique prefix
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[1:] == ["first line", "second"]
    listed = fdp.fdpctl("log")
    assert job_id in listed.stdout and "run" in listed.stdout


def test_dry_run_shows_everything_but_the_token(fdp: Fdp, tmp_path: Path) -> None:
    body = WRITE_X.format(name="dry/x")
    project = make_project(tmp_path / "dry", {"config.yaml": config("dry", "echo ran", body)})
    jobs_before = job_folders(fdp.store)
    result = fdp.fdpctl("run", "--dry-run", "config.yaml", cwd=project)
    assert result.returncode == 0, result.stderr
    token = fdp.token()
    assert token not in result.stdout + result.stderr
    assert "FDP_LOCAL_TOKEN=<hidden>" in result.stdout
    assert "ran\n" not in result.stdout
    assert 'version: "0.0.1"' in result.stdout and "sh -e " in result.stdout
    assert f"working directory: {project}" in result.stdout
    assert job_folders(fdp.store) == jobs_before
    as_json = fdp.fdpctl("--json", "run", "--dry-run", "config.yaml", cwd=project)
    assert token not in as_json.stdout
    final = json.loads(as_json.stdout.splitlines()[-1])["result"]
    assert final["environment"]["FDP_CONFIG_DIR"] == final["job_folder"]
    assert final["environment"]["PYTHONPATH"].endswith(str(project))


def test_dirty_tree_is_refused_unless_dirty(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "dirty",
        {"config.yaml": config("d", "echo hi")},
        remote="https://git.example.org/ana/model.git",
    )
    (project / "model.py").write_text("# changed\n")
    refused = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert refused.returncode == 1 and "uncommitted changes" in refused.stderr
    assert "--dirty" in refused.stderr
    accepted = fdp.fdpctl("run", "--dirty", "config.yaml", cwd=project)
    assert accepted.returncode == 0 and accepted.stdout == "hi\n"
    metadata = yaml.safe_load(fdp.job(last_job_id(fdp))["working_config"])["run_metadata"]
    assert metadata["latest_commit"] == git(project, "rev-parse", "HEAD") + "-dirty"
    assert metadata["remote_repo"] == "https://git.example.org/ana/model.git"


def test_outside_git_says_what_it_records(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "nogit", {"config.yaml": config("n", "echo hi")}, commit=False
    )
    result = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "not in a git repository" in result.stderr and "latest_commit" in result.stderr
    assert "nobody else can fetch this code" in result.stderr
    job = fdp.job(last_job_id(fdp))
    metadata = yaml.safe_load(job["working_config"])["run_metadata"]
    assert metadata["remote_repo"] == "no-remote://none/nogit"  # never a path of this machine
    script = Path(metadata["script_path"]).read_bytes()
    import hashlib

    assert metadata["latest_commit"] == hashlib.sha1(script).hexdigest()


def test_script_gets_the_contract_environment(fdp: Fdp, tmp_path: Path) -> None:
    fair_token = fdp.instance.locations.fair_registry_token_path
    lines = [
        'echo "$FDP_CONFIG_DIR|$FDP_CONFIG_NAME|$FDP_SCRIPT|$FDP_DATA_STORE"',
        'echo "$FDP_LOCAL_REPO|$PYTHONPATH|$MY_VARIABLE|$(pwd)"',
        'test -n "$FDP_LOCAL_TOKEN" && echo token-set',
        f'test "$(cat {fair_token})" = "$FDP_LOCAL_TOKEN" && echo fair-token-in-step',
        "read line || echo no-stdin",
    ]
    script = "|\n" + "".join(f"    {line}\n" for line in lines)
    project = make_project(tmp_path / "env", {"config.yaml": config("e", script)})
    result = fdp.fdpctl(
        "run", "config.yaml", cwd=project, env={"MY_VARIABLE": "mine", "PYTHONPATH": "/x"}
    )
    assert result.returncode == 0, result.stderr
    job = fdp.job(last_job_id(fdp))
    folder = job["folder"]
    store = str(fdp.store) + os.sep
    assert result.stdout.splitlines() == [
        f"{folder}|config.yaml|{folder}/script.sh|{store}",
        f"{project}|/x:{project}|mine|{project}",
        "token-set",
        "fair-token-in-step",
        "no-stdin",
    ]
    assert job["argv"] == ["sh", "-e", f"{folder}/script.sh"]


def test_generate_expands_wildcards_and_creates_nothing(fdp: Fdp, tmp_path: Path) -> None:
    writes = WRITE_X.format(name="wild/a") + WRITE_X.format(name="wild/b").replace("write:\n", "")
    first = config("w1", "python3 model.py", writes)
    second = config(
        "w2",
        "python3 model.py",
        "read:\n  - data_product: wild/*\nwrite:\n  - data_product: wild/*\n"
        "    description: next\n    file_type: csv\n",
    )
    project = make_project(tmp_path / "wild", {"w1.yaml": first, "w2.yaml": second})
    ran = fdp.fdpctl("run", "w1.yaml", cwd=project, env={"MODEL_WRITES": "wild/a,wild/b"})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    jobs_before = job_folders(fdp.store)
    out = tmp_path / "working.yaml"
    generated = fdp.fdpctl("generate", "w2.yaml", "-o", str(out), cwd=project)
    assert generated.returncode == 0, generated.stderr
    working = yaml.safe_load(out.read_text())
    assert [(r["data_product"], r["use"]["version"]) for r in working["read"]] == [
        ("wild/a", "0.0.1"),
        ("wild/b", "0.0.1"),
    ]
    assert [(w["use"]["data_product"], w["use"]["version"]) for w in working["write"]] == [
        ("wild/a", "0.0.2"),
        ("wild/b", "0.0.2"),
    ]
    assert job_folders(fdp.store) == jobs_before
    assert not Path(working["run_metadata"]["script_path"]).parent.exists()
    # and the run uses it: two reads, two writes, through the real API
    env = {"MODEL_READS": "wild/a,wild/b", "MODEL_WRITES": "wild/a,wild/b"}
    ran = fdp.fdpctl("run", "w2.yaml", cwd=project, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "read wild/a: wild/a,1" in ran.stdout
    assert {p["version"] for p in fdp.registry("data_product", name="wild/b")} == {"0.0.1", "0.0.2"}
