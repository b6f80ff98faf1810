"""The local registry answers local programs only, serves private content only to token holders,
and reads local files only inside its served folders. Against the app in process (`local`,
tests/inprocess.py: the Host and Origin headers reach it as sent); Host, Origin and a rebinding
name once more against a registry process over a socket (`served`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.inprocess import InProcessRegistry, registry_in_process
from tests.postgres_database import database_for
from tests.registry.conftest import ACCEPT, unique
from tests.registry.running_registry import RunningRegistry, running_registry

SECRET = b"the private measurements\n"


@dataclass
class Local:
    server: RunningRegistry | InProcessRegistry
    store: Path
    admin: httpx.Client
    anonymous: httpx.Client

    def create(self, type_name: str, body: Mapping[str, object]) -> str:
        answer = self.admin.post(f"/api/{type_name}/", json=body)
        assert answer.status_code == 201, answer.text
        url = answer.json()["url"]
        assert isinstance(url, str)
        return url

    def root(self, root: str) -> str:
        answer = self.admin.post("/api/storage_root/", json={"root": root, "local": True})
        if answer.status_code == 409:
            found = self.admin.get("/api/storage_root/", params={"root": root}).json()
            url = found["results"][0]["url"]
        else:
            assert answer.status_code == 201, answer.text
            url = answer.json()["url"]
        assert isinstance(url, str)
        return url

    def product(
        self, root: str, path: str, *, public: bool = True, private_key: bool = False
    ) -> tuple[str, str]:
        """A data product whose file is `root` + `path`: (its `ns:name@version`, its id)."""
        root_url = self.root(root)
        location = self.create(
            "storage_location",
            {"path": path, "hash": unique(), "public": public, "storage_root": root_url},
        )
        obj = self.create("object", {"storage_location": location})
        if private_key:
            self.create("key_value", {"key": "accessibility", "value": "private", "object": obj})
        namespace = unique("ns")
        namespace_url = self.create("namespace", {"name": namespace})
        name = unique("p")
        body = {"name": name, "version": "1.0.0", "object": obj, "namespace": namespace_url}
        product = self.create("data_product", body)
        return f"{namespace}:{name}@1.0.0", product.rstrip("/").rsplit("/", 1)[1]


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _store_and_database(request: pytest.FixtureRequest, workdir: Path, stack: ExitStack) -> str:
    """The served folder (a private and a public file) and a new database: its URL."""
    store = workdir / "store"
    store.mkdir()
    (store / "private.csv").write_bytes(SECRET)
    (store / "public.csv").write_bytes(b"open data\n")
    return database_for(request, stack, workdir)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Local]:
    """A registry process (on SQLite): Host and Origin as a server gets them over a socket."""
    workdir: Path = tmp_path_factory.mktemp("local")
    with ExitStack() as stack:
        store = workdir / "store"
        store.mkdir()
        (store / "private.csv").write_bytes(SECRET)
        database_url = f"sqlite:///{workdir / 'registry.db'}"
        server = stack.enter_context(
            running_registry(workdir, database_url=database_url, file_roots=(store,))
        )
        admin = stack.enter_context(
            httpx.Client(
                base_url=server.base_url,
                headers={**server.admin_headers(), "Accept": ACCEPT},
                timeout=30,
            )
        )
        anonymous = stack.enter_context(
            httpx.Client(base_url=server.base_url, headers={"Accept": ACCEPT}, timeout=30)
        )
        yield Local(server, store, admin, anonymous)


@pytest.fixture(scope="module", params=BACKENDS)
def local(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Local]:
    """The registry app in process."""
    workdir: Path = tmp_path_factory.mktemp("local")
    with ExitStack() as stack:
        database_url = _store_and_database(request, workdir, stack)
        store = workdir / "store"
        registry = stack.enter_context(
            registry_in_process(
                workdir, database_url=database_url, file_roots=(store,), with_data_store=False
            )
        )
        admin = stack.enter_context(registry.http(registry.token))
        anonymous = stack.enter_context(registry.http())
        yield Local(registry, store, admin, anonymous)


# --- Host and Origin ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/", "/api/namespace/", "/fdp/identity", "/data/x"])
def test_a_foreign_host_is_refused(local: Local, path: str) -> None:
    answer = local.anonymous.get(path, headers={"Host": "evil.example"})
    assert answer.status_code == 403
    assert "localhost" in answer.json()["detail"]
    port = local.server.base_url.rsplit(":", 1)[1]
    rebound = local.admin.get(path, headers={"Host": f"evil.example:{port}"})
    assert rebound.status_code == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1"])
def test_any_origin_header_is_refused_even_with_a_token(local: Local, origin: str) -> None:
    answer = local.admin.get("/api/namespace/", headers={"Origin": origin})
    assert answer.status_code == 403
    assert "Origin" in answer.json()["detail"]
    posted = local.admin.post(
        "/api/namespace/", json={"name": unique()}, headers={"Origin": origin}
    )
    assert posted.status_code == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST:8000"])
def test_local_host_names_with_any_port_are_answered(local: Local, host: str) -> None:
    assert local.anonymous.get("/api/", headers={"Host": host}).status_code == 200


def test_dns_rebinding_cannot_read_a_private_file(local: Local) -> None:
    spec, _ = local.product(f"file://{local.store}/", "private.csv", private_key=True)
    headers = {"Host": "evil.example", "Origin": "http://evil.example"}
    answer = local.anonymous.get(f"/data_product/{spec}", headers=headers)
    assert answer.status_code == 403
    assert SECRET not in answer.content


def test_host_and_origin_over_a_socket(served: Local) -> None:
    """The same refusals from a registry process, as a browser's requests reach it."""
    port = served.server.base_url.rsplit(":", 1)[1]
    for host in ("evil.example", f"evil.example:{port}"):
        refused = served.anonymous.get("/api/", headers={"Host": host})
        assert refused.status_code == 403 and "localhost" in refused.json()["detail"], host
    for host in ("localhost", "[::1]", f"LOCALHOST:{port}"):
        assert served.anonymous.get("/api/", headers={"Host": host}).status_code == 200, host
    origin = served.admin.get("/api/namespace/", headers={"Origin": "null"})
    assert origin.status_code == 403 and "Origin" in origin.json()["detail"]
    spec, _ = served.product(f"file://{served.store}/", "private.csv", private_key=True)
    headers = {"Host": "evil.example", "Origin": "http://evil.example"}
    rebound = served.anonymous.get(f"/data_product/{spec}", headers=headers)
    assert rebound.status_code == 403 and SECRET not in rebound.content
    assert served.admin.get(f"/data_product/{spec}").content == SECRET  # a local name reads it


# --- private content ---------------------------------------------------------------------------


@pytest.mark.parametrize("marking", ["key_value", "public_false"])
def test_private_files_and_reports_need_a_token(local: Local, marking: str) -> None:
    spec, product_id = local.product(
        f"file://{local.store}/",
        "private.csv",
        public=marking != "public_false",
        private_key=marking == "key_value",
    )
    paths = [
        f"/data_product/{spec}",
        f"/api/prov-report/{product_id}/",
        f"/api/ro-crate/data-product/{product_id}/",
    ]
    for path in paths:
        anonymous = local.anonymous.get(path)
        assert anonymous.status_code == 403, (path, anonymous.text)
        assert SECRET not in anonymous.content
        assert local.admin.get(path).status_code == 200, path
    assert local.admin.get(f"/data_product/{spec}").content == SECRET


def test_public_files_stay_anonymous(local: Local) -> None:
    spec, product_id = local.product(f"file://{local.store}/", "public.csv")
    assert local.anonymous.get(f"/data_product/{spec}").content == b"open data\n"
    assert local.anonymous.get(f"/api/prov-report/{product_id}/").status_code == 200


def test_private_records_stay_readable_for_the_language_apis(local: Local) -> None:
    """pyDataPipeline's link_read reads records without a token (docs/registry-api.md)."""
    local.product(f"file://{local.store}/", "private.csv", private_key=True)
    answer = local.anonymous.get("/api/storage_location/?path=private.csv")
    assert answer.status_code == 200 and answer.json()["count"] >= 1


# --- local files outside the served folders ----------------------------------------------------


@pytest.mark.parametrize("root_kind", ["file_root", "absolute_root"])
def test_a_storage_root_outside_the_served_folders_is_never_read(
    local: Local, tmp_path: Path, root_kind: str
) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(b"not for the registry\n")
    root = "file:///" if root_kind == "file_root" else "/"
    spec, _ = local.product(root, str(outside).lstrip("/"))
    for client in (local.anonymous, local.admin):
        answer = client.get(f"/data_product/{spec}")
        assert answer.status_code == 403, answer.text
        assert b"not for the registry" not in answer.content
        assert "--file-root" in answer.json()["detail"]


def test_a_symlink_out_of_a_served_folder_is_not_followed(local: Local, tmp_path: Path) -> None:
    outside = tmp_path / "target.txt"
    outside.write_bytes(b"linked secret\n")
    link = local.store / f"{unique('link')}.txt"
    link.symlink_to(outside)
    spec, _ = local.product(f"file://{local.store}/", link.name)
    answer = local.admin.get(f"/data_product/{spec}")
    assert answer.status_code in (400, 403)
    assert b"linked secret" not in answer.content
