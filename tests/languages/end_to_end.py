"""The round trip every language API test makes: a model run by the real fdpctl with its local
registry on port 8000 (the R and C++ APIs' default), its job committed and pushed to a shared
remote, every record of the run's closure checked there, and a second user's pull of the output."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import httpx

from tests.push.processes import ACCEPT, Remote, Site, fdp_site

API_PORT = 8000


def port_taken() -> str | None:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", API_PORT)) == 0:
            return f"port {API_PORT} is taken; the language API needs the local registry there"
    return None


def pull_config(namespace: str, product: str) -> str:
    return (
        "run_metadata:\n  description: read another user's output\n  script: python3 model.py\n"
        f"read:\n  - data_product: {product}\n    use:\n      namespace: {namespace}\n"
    )


def run_commit_push_pull(
    remote: Remote, project: Path, product: str, finished: str
) -> dict[str, object]:
    """Run `project/config.yaml` (writing `product`) as ana, push the job, pull it as bob."""
    with fdp_site("ana", registry_port=API_PORT) as ana:
        ana.add_remote(remote)
        job = ana.run_model(project, "config.yaml")
        assert job["exit_status"] == 0, job["output"]
        assert finished in job["output"], job["output"]
        assert_no_token(ana, job["output"])
        assert "not written by the job" not in job["output"], job["output"]
        [run_uuid] = ana.job_runs(job["id"])

        ana.ok("commit", job["id"])
        status, final, _ = ana.stream_result("push")
        assert status == 0, final
        requests = final["result"]["remote_requests"]
        print(f"\n{product}: push made {sum(requests.values())} remote requests {requests}")
        sha1 = assert_closure_on_remote(remote, ana, run_uuid, product)

    with fdp_site("bob") as bob:
        bob.add_remote(remote)
        config = bob.root / "pull.yaml"
        config.write_text(pull_config("ana", product))
        bob.ok("pull", str(config))
        [pulled] = [path for path in (bob.store / "ana" / product).iterdir() if path.is_file()]
        assert hashlib.sha1(pulled.read_bytes()).hexdigest() == sha1
    return job


def assert_no_token(site: Site, output: str) -> None:
    token = (site.instance.locations.tokens_dir / f"{site.user}.token").read_text().strip()
    assert len(token) >= 40 and token not in output


def assert_closure_on_remote(remote: Remote, site: Site, run_uuid: str, product: str) -> str:
    """The pushed code run with its repo, config, script and one output whose object has authors
    and whose file the remote serves by SHA-1; that SHA-1."""
    [remote_run] = remote.records("code_run", uuid=run_uuid)
    for link in ("code_repo", "model_config", "submission_script"):
        assert remote_run[link], (link, remote_run)
    assert len(remote_run["outputs"]) == 1 and remote_run["inputs"] == []
    [record] = remote.records("data_product", name=product)
    obj = httpx.get(record["object"], headers=ACCEPT, timeout=10).json()
    assert obj["authors"], obj
    location = httpx.get(obj["storage_location"], headers=ACCEPT, timeout=10).json()
    local_file = next(path for path in (site.store / site.user / product).iterdir())
    sha1 = hashlib.sha1(local_file.read_bytes()).hexdigest()
    assert location["hash"] == sha1 and remote.file_sha1(sha1) == sha1
    return sha1
