"""The real pyDataPipeline still writes to a shared registry as an ordinary user under the
ownership rules (issue 20, items 5 and 6): its code run's outputs are components of objects
the same user just created, its inputs another user's, its issue on its own output.

The registry is a real `fdpd registry serve --shared` process; `admin` provides the input
product and the author pyDataPipeline reads (`users/?username=admin` → `user_author`), user
`ana` links herself to an author of her own and runs the model of
tests/registry/test_pydatapipeline_compat.py with her token.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.registry.running_registry import running_registry
from tests.registry.test_pydatapipeline_compat import ISSUE, Api, build_job, provision, run_job


def test_pydatapipeline_runs_as_a_user_of_a_shared_registry(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with running_registry(tmp_path / "registry", shared=True) as registry:
        key = registry.add_user("ana")
        api = Api(registry)
        ana = httpx.Client(
            base_url=registry.api,
            headers={"Authorization": f"token {key}", "Accept": "application/json"},
            timeout=30,
        )
        with api.client, ana:
            provisioned = provision(api, store, link_admin=_link_admin)
            user = ana.get("users/", params={"username": "ana"}).json()["results"][0]["url"]
            author = ana.post("author/", json={"name": "Ana Example (herself)"}).json()["url"]
            linked = ana.post("user_author/", json={"user": user, "author": author})
            assert linked.status_code == 201, linked.text
            job = build_job(tmp_path, store, registry.api)
            run_job(job, key)

            (uuid,) = job.coderun_uuids()
            run = api.one("code_run", uuid=uuid)
            assert run["updated_by"] == user
            assert run["inputs"] == [provisioned.gauge_component_url]
            assert len(run["outputs"]) == 2
            issue = api.one("issue", description=ISSUE)
            assert issue["updated_by"] == user and len(issue["component_issues"]) == 1
            product = api.one("data_product", name="flow/station-mean", version="0.0.1")
            prov = api.client.get(product["prov_report"], headers={"Accept": "application/json"})
            run_id = "lreg:api/code_run/" + run["url"].rstrip("/").rsplit("/", 1)[-1]
            generated = {g["prov:activity"] for g in prov.json()["wasGeneratedBy"].values()}
            assert generated == {run_id}


def _link_admin(api: Api, author: str) -> None:
    """user_author {admin, author} through the standard API (`/fdp/active-author` is local)."""
    admin = api.one("users", username="admin")["url"]
    api.post("user_author", {"user": admin, "author": author})
