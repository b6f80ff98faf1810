"""A remote's storage root, upload URL or redirect never makes fdp reach this machine's own
services (issue 20 item 11): loopback, link-local and unspecified targets are refused unless the
remote itself is on this machine. The decision in process; the refusal end to end with the real
fdpctl pull from a real shared registry reached at this machine's non-loopback address."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from fdpd.base.loopback import internal_address, internal_host
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import InternalTargetRefused
from tests.fdp_process import json_lines
from tests.push.processes import Remote, fdp_site
from tests.registry.running_registry import running_registry
from tests.sync.seed import Seeder


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("192.0.2.7", None),
        ("2001:db8::1", None),
        ("registry.example.org", None),
    ],
)
def test_internal_addresses(address: str, kind: str | None) -> None:
    assert internal_address(address) == kind


def test_a_host_name_is_resolved_and_every_address_checked() -> None:
    assert asyncio.run(internal_host("localhost")) in (
        "127.0.0.1, a loopback address",
        "::1, a loopback address",
    )
    assert asyncio.run(internal_host("[::1]")) == "::1, a loopback address"
    assert asyncio.run(internal_host("no-such-host.invalid")) is None


class _Seen:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def transport(self, answer: httpx.Response) -> httpx.MockTransport:
        """A stand-in for the network: a remote at a public name cannot be made on this machine."""

        def handle(request: httpx.Request) -> httpx.Response:
            self.urls.append(str(request.url))
            return answer

        return httpx.MockTransport(handle)


async def _fetch(client: RegistryClient, url: str) -> None:
    async with client, client.stream(url) as response:
        await response.aread()


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8000/data/x",
        "http://localhost:5432/",
        "http://[::1]:9/x",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_public_remote_may_not_send_fdp_to_this_machine(target: str) -> None:
    seen = _Seen()
    client = RegistryClient(
        "http://registry.invalid/api/", "t0ken", transport=seen.transport(httpx.Response(200))
    )
    with pytest.raises(InternalTargetRefused) as refused:
        asyncio.run(_fetch(client, target))
    assert seen.urls == []  # nothing was sent
    assert "remote remote sent fdp to" in refused.value.message
    assert refused.value.code == "local_source_refused"
    assert "t0ken" not in refused.value.message


def test_a_redirect_to_this_machine_is_refused_too() -> None:
    seen = _Seen()
    redirect = httpx.Response(302, headers={"Location": "http://127.0.0.1:6379/"})
    client = RegistryClient("http://registry.invalid/api/", transport=seen.transport(redirect))
    with pytest.raises(InternalTargetRefused):
        asyncio.run(_fetch(client, "http://files.invalid/data/x"))
    assert seen.urls == ["http://files.invalid/data/x"]


def test_a_remote_on_this_machine_may_use_its_other_ports() -> None:
    seen = _Seen()
    client = RegistryClient(
        "http://127.0.0.1:8000/api/", transport=seen.transport(httpx.Response(200))
    )
    asyncio.run(_fetch(client, "http://localhost:9000/bucket/x"))
    assert seen.urls == ["http://localhost:9000/bucket/x"]


# --- end to end -------------------------------------------------------------------------------


def _outward_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if internal_address(address) else address


class _LoopbackService(BaseHTTPRequestHandler):
    """A service only this machine should reach (as a database's or a local registry's HTTP
    port is): it answers anything and records what it was asked."""

    asked: list[str] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = b"secret of this machine\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def loopback_service() -> Iterator[str]:
    _LoopbackService.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoopbackService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_pull_refuses_a_storage_root_on_loopback_from_a_remote_elsewhere(
    tmp_path: Path, loopback_service: str
) -> None:
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no non-loopback address to reach a registry at")
    store = tmp_path / "remote-store"
    with (
        running_registry(
            tmp_path / "remote", shared=True, data_store=str(store), host=outward
        ) as registry,
        fdp_site("ana") as ana,
    ):
        remote = Remote(registry, store, tmp_path / "remote")
        ana.add_remote(remote)
        eve = Seeder(remote.registry.base_url, remote.add_user("eve").read_text().strip())
        try:
            content = b"secret of this machine\n"
            _product(eve, loopback_service, "probe/local", content)
            _product(eve, f"{remote.registry.base_url}/data/", "probe/good", content, upload=True)
        finally:
            eve.close()
        reads = "".join(
            f"  - data_product: {name}\n    use:\n      namespace: eve\n"
            for name in ("probe/local", "probe/good")
        )
        config = f"run_metadata:\n  description: probe\n  script: python3 model.py\nread:\n{reads}"
        project = ana.project("probe", {"config.yaml": config})

        result = ana.fdpctl("--json", "pull", "config.yaml", cwd=project)

        assert result.returncode == 1, result.stdout + result.stderr
        items = {i["item"]: i for i in json_lines(result.stdout)[-1]["result"]["items"]}
        assert items["eve:probe/good@1.0.0"]["status"] == "pulled", items
        refused = items["eve:probe/local@1.0.0"]
        assert refused["status"] == "failed", items
        assert "on this machine" in refused["reason"] and "loopback" in refused["reason"]
        assert _LoopbackService.asked == []  # the service was never reached


def _product(seeder: Seeder, root: str, name: str, content: bytes, *, upload: bool = False) -> None:
    import hashlib

    sha1 = seeder.upload(content) if upload else hashlib.sha1(content).hexdigest()
    storage_root = seeder.once("storage_root", {"root": root, "local": False})
    location = seeder.post(
        "storage_location",
        {"path": sha1, "hash": sha1, "public": True, "storage_root": storage_root["url"]},
    )
    file_type = seeder.once("file_type", {"name": "csv", "extension": "csv"})
    obj = seeder.post(
        "object", {"storage_location": location["url"], "file_type": file_type["url"]}
    )
    namespace = seeder.once("namespace", {"name": "eve"})
    seeder.post(
        "data_product",
        {"namespace": namespace["url"], "name": name, "version": "1.0.0", "object": obj["url"]},
    )
