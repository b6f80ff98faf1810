"""`registry: listen:` in fdpd's config.yaml: the local registry listens on an address the
compute nodes reach, and a SLURM job's working config names it. A second network namespace
plays the compute node: it reaches this machine only through a veth pair's address (its own
loopback has no registry), and the job's model runs there (`ip netns exec`), so the run is
recorded only if the job really used the listen address. There, as on loopback, writes and
private content need a token, and the Host guard takes only the names configured. Real SLURM,
fdpd, registry and pyDataPipeline; needs root (`ip netns`), as the one-node cluster does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.cluster.conftest import Fdp, last_job_id, make_project
from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.run.conftest import USER


@dataclass(frozen=True)
class Node:
    namespace: str
    address: str  # this machine's end of the veth pair: the registry listens here


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    """A network namespace joined to this machine by a veth pair (10.254.N.1 here, .2 there)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("a network namespace needs root and iproute2 (`ip netns`)")
    n = os.getpid() % 250 + 1
    namespace, here, there = f"fdp-node-{n}", f"fdpv{n}h", f"fdpv{n}n"

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, text=True)

    ip("netns", "add", namespace)
    try:
        ip("link", "add", here, "type", "veth", "peer", "name", there)
        ip("link", "set", there, "netns", namespace)
        ip("addr", "add", f"10.254.{n}.1/24", "dev", here)
        ip("link", "set", here, "up")
        ip("-n", namespace, "addr", "add", f"10.254.{n}.2/24", "dev", there)
        ip("-n", namespace, "link", "set", there, "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        yield Node(namespace, f"10.254.{n}.1")
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)


def fdp_listening_on(address: str, prefix: str) -> Iterator[Fdp]:
    """A real fdpd whose config.yaml says `registry: listen: ADDRESS`, with user ana."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    store = home / "store"
    try:
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(home, extra) as instance:
            config = instance.locations.config_file
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(f"registry:\n  listen: {address}\n  names: [login1.cluster]\n")
            daemon = instance.start_daemon()
            fdp = Fdp(instance, store)
            setup = fdp.fdpctl("config", USER, "--data-store", str(store), "--name", "Ana")
            assert setup.returncode == 0, setup.stderr
            yield fdp
            instance.stop_daemon(daemon)  # not `fdpctl daemon stop`: it waits for the zombie
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def listening(node: Node) -> Iterator[Fdp]:
    yield from fdp_listening_on(node.address, "fdp-listen-")


def in_node(node: Node, code: str) -> dict[str, object]:
    """Run python `code` (it prints one JSON object) on the node, that is in its namespace."""
    answer = subprocess.run(
        ["ip", "netns", "exec", node.namespace, "python3", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(answer.stdout)
    return result


CONFIG = """\
run_metadata:
  description: a job on the compute node
  script: ip netns exec {namespace} python3 model.py
write:
  - data_product: cluster/on-node
    description: written on the node
    file_type: csv
"""


def test_a_job_on_the_node_records_its_run_through_the_listen_address(
    listening: Fdp, node: Node
) -> None:
    port = listening.instance.env["FDP_REGISTRY_PORT"]
    url = f"http://{node.address}:{port}/api/"
    reach = in_node(
        node,
        "import json, socket\n"
        "def reach(host):\n"
        "    try:\n"
        f"        socket.create_connection((host, {port}), timeout=3).close(); return True\n"
        "    except OSError: return False\n"
        f"print(json.dumps({{'loopback': reach('127.0.0.1'), 'listen': reach('{node.address}')}}))",
    )
    assert reach == {"loopback": False, "listen": True}  # the node reaches only the address

    project = make_project(
        listening.store.parent / "on-node", {"config.yaml": CONFIG.format(namespace=node.namespace)}
    )
    result = listening.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", cwd=project,
        env={"MODEL_WRITES": "cluster/on-node"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr + result.stdout
    detail = listening.job(last_job_id(listening))
    assert detail["state"] == "succeeded" and len(detail["code_runs"]) == 1
    working = yaml.safe_load((Path(detail["folder"]) / "config.yaml").read_text())
    assert working["run_metadata"]["local_data_registry_url"] == url
    assert listening.fdpctl("commit", detail["id"]).returncode == 0


def test_on_the_listen_address_writes_and_private_content_need_a_token(
    listening: Fdp, node: Node
) -> None:
    port = listening.instance.env["FDP_REGISTRY_PORT"]
    token = listening.token()
    answers = in_node(
        node,
        "import json, urllib.request, urllib.error\n"
        "def status(path, host=None, method='GET', token=None, body=None):\n"
        f"    request = urllib.request.Request('http://{node.address}:{port}' + path, "
        "method=method, data=body)\n"
        "    request.add_header('Accept', 'application/json')\n"
        "    request.add_header('Content-Type', 'application/json')\n"
        "    if host: request.add_header('Host', host)\n"
        "    if token: request.add_header('Authorization', 'token ' + token)\n"
        "    try:\n"
        "        return urllib.request.urlopen(request, timeout=10).status\n"
        "    except urllib.error.HTTPError as error:\n"
        "        return error.code\n"
        "new = json.dumps({'name': 'node-made'}).encode()\n"
        "print(json.dumps({\n"
        "    'read': status('/api/namespace/'),\n"
        "    'by_configured_name': status('/api/namespace/', host='login1.cluster'),\n"
        "    'by_other_name': status('/api/namespace/', host='evil.example'),\n"
        "    'write_without_token': status('/api/namespace/', method='POST', body=new),\n"
        f"    'write_with_token': status('/api/namespace/', method='POST', body=new, "
        f"token='{token}'),\n"
        "}))",
    )
    assert answers == {
        "read": 200,
        "by_configured_name": 200,
        "by_other_name": 403,  # the Host guard: a DNS-rebinding page's name is refused
        "write_without_token": 403,
        "write_with_token": 201,
    }


def test_a_listen_address_not_on_this_machine_is_a_clear_error(tmp_path: Path) -> None:
    """203.0.113.9 (TEST-NET-3) is no address of this machine: the registry cannot listen
    there, and fdp says so before it does anything (here `fdpctl config`, which needs it)."""
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
    with FdpInstance(tmp_path / "home", extra) as instance:
        config = instance.locations.config_file
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("registry:\n  listen: 203.0.113.9\n")
        daemon = instance.start_daemon()
        said = instance.run_fdpctl("config", USER, "--data-store", str(tmp_path / "store"))
        instance.stop_daemon(daemon)
    assert said.returncode != 0
    assert "203.0.113.9" in said.stderr, said.stderr
    assert "Traceback" not in said.stderr
