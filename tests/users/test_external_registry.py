"""A group's registry in shared mode, which no fdpd runs, as the local registry of each user's fdpd
(`registry: url:` with `registry: token_file:` in fdpd's config.yaml; issue 25, item 3).

A real `fdpd registry serve --shared` process and two fdp instances (two FDP_HOMEs, two tokens,
as two Unix users would have): each runs the real pyDataPipeline model with the real fdpctl and
fdpd, its code run credited to its own author in its own namespace; one cannot write the other's
namespace; a second fdp user on one fdpd, with a token of their own, is credited to their own
author; gc, which needs fdp's own registry, is refused saying so; stopping an fdpd leaves the
registry running; status says it is external; an unreachable URL and a refused token are clear
errors through fdpctl.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance
from tests.push.processes import ACCEPT, Remote, Site, remote_registry, write_config


@contextmanager
def external_site(user: str, api: str, token_file: Path) -> Iterator[Site]:
    """An fdp instance whose config.yaml names the registry at `api`, not yet configured."""
    root = Path(tempfile.mkdtemp(prefix=f"fdp-ext-{user}-", dir="/tmp"))
    try:
        with FdpInstance(root / "home", {"FDP_REGISTRY_PORT": str(free_port())}) as instance:
            config = instance.locations.config_file
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(f"registry:\n  url: {api}\n  token_file: {token_file}\n")
            instance.start_daemon()
            site = Site(instance, user, root)
            site.registry_url = api
            try:
                yield site
            finally:
                site.stop_daemon()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """The group's registry, one for the module: each test has users of its own."""
    with remote_registry(tmp_path_factory.mktemp("group")) as shared:
        yield shared


def _config(site: Site) -> Any:
    return site.fdpctl("config", site.user, "--data-store", str(site.store), "--name", site.user)


def _one(remote: Remote, table: str, **params: str) -> dict[str, Any]:
    (found,) = remote.records(table, **params)
    return found


def test_two_users_share_a_registry_fdpd_does_not_run(remote: Remote, tmp_path: Path) -> None:
    with ExitStack() as stack:
        sites = {}
        for user in ("ana", "bob"):
            token = remote.add_user(user)
            sites[user] = stack.enter_context(external_site(user, remote.api, token))
            configured = _config(sites[user])
            assert configured.returncode == 0, configured.stdout + configured.stderr

        for user, site in sites.items():
            status = site.json("registry", "status")
            assert status["state"] == "external" and status["url"] == remote.api
            assert f"external at {remote.api}" in site.ok("registry", "status")
            assert site.json("daemon", "status")["registry"]["state"] == "external"
            assert f"external at {remote.api}" in site.ok("daemon", "status")

            project = site.project("model", {"config.yaml": write_config(f"{user}/result")})
            job = site.run_model(project, "config.yaml", MODEL_WRITES=f"{user}/result")
            assert job["exit_status"] == 0, job["output"]

        for user in sites:
            _check_credited(remote, user)

        # another fdp user on bob's fdpd, with a token of their own (`<data dir>/tokens/`)
        tokens = sites["bob"].instance.locations.tokens_dir
        tokens.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copy(remote.add_user("cleo"), tokens / "cleo.token")
        cleo = sites["bob"].ok("config", "cleo", "--data-store", str(tmp_path / "cleo"))
        project = sites["bob"].project("cleo", {"config.yaml": write_config("cleo/result")})
        job = sites["bob"].run_model(project, "config.yaml", MODEL_WRITES="cleo/result")
        assert job["exit_status"] == 0, cleo + job["output"]
        _check_credited(remote, "cleo")

        # bob may not write into ana's namespace: the shared registry refuses, nothing is made
        intruder = write_config("bob/in-ana").replace(
            "run_metadata:\n", "run_metadata:\n  default_output_namespace: ana\n"
        )
        project = sites["bob"].project("intrude", {"config.yaml": intruder})
        job = sites["bob"].run_model(project, "config.yaml", MODEL_WRITES="bob/in-ana")
        assert job["exit_status"] != 0 and "403" in job["output"]
        assert remote.records("data_product", name="bob/in-ana") == []

        # gc removes records through fdp's own route: refused up front, saying why
        gc = sites["bob"].fdpctl("gc")
        assert gc.returncode != 0 and "Traceback" not in gc.stderr
        assert "gc needs fdp's own registry" in gc.stderr and "`registry: url:`" in gc.stderr

        # stopping an fdpd leaves the registry it does not run alone
        sites["ana"].stop_daemon()
        assert remote.registry.process.poll() is None
        assert httpx.get(f"{remote.api}namespace/", headers=ACCEPT).status_code == 200


def _check_credited(remote: Remote, user: str) -> None:
    """`user`'s product is in namespace `user`, its object by `user`'s author (named `user`),
    made by a code run recorded as registry user `user`."""
    namespace = _one(remote, "namespace", name=user)
    product = _one(remote, "data_product", name=f"{user}/result")
    assert product["namespace"] == namespace["url"]
    obj = httpx.get(product["object"], headers=ACCEPT).json()
    (author,) = obj["authors"]
    assert httpx.get(author, headers=ACCEPT).json()["name"] == user
    (run,) = [r for r in remote.records("code_run") if obj["components"][0] in r["outputs"]]
    registry_user = httpx.get(run["updated_by"], headers=_auth(remote, user)).json()
    assert registry_user["username"] == user


def _auth(remote: Remote, user: str) -> dict[str, str]:
    token = remote.tokens[user].read_text().strip()
    return {**ACCEPT, "Authorization": f"token {token}"}


def test_unreachable_url_and_refused_token_are_clear_errors(remote: Remote, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.token"
    wrong.write_text("0" * 40 + "\n")
    wrong.chmod(0o600)
    with external_site("carol", remote.api, wrong) as site:
        refused = _config(site)
        assert refused.returncode != 0
        assert "does not accept the token" in refused.stderr
        assert str(wrong) in refused.stderr and "add-user" in refused.stderr
        assert "Traceback" not in refused.stderr
    token = remote.add_user("dan")
    down = f"http://127.0.0.1:{free_port()}/api/"
    with external_site("dan", down, token) as site:
        unreachable = _config(site)
        assert unreachable.returncode != 0
        assert f"the local registry at {down}" in unreachable.stderr
        assert "does not answer" in unreachable.stderr
        assert str(site.instance.locations.config_file) in unreachable.stderr
        assert "Traceback" not in unreachable.stderr
