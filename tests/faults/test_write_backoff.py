"""After a 5xx from a remote, fdp writes it fewer at a time (halving, down to one) and sends a
failed create again only after looking for it: the push completes with nothing duplicated.
The faults come from an HttpRelay (FAULT INJECTION) in front of a real registry."""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import registry_port
from tests.faults.http_relay import HttpRelay
from tests.push.processes import fdp_site, remote_registry

PRODUCTS = [f"many/p{n}" for n in range(6)]
CONFIG = "run_metadata:\n  description: writes six\n  script: python3 model.py\nwrite:\n" + "".join(
    f"  - data_product: {name}\n    description: {name}\n    file_type: csv\n" for name in PRODUCTS
)


def test_5xx_halves_write_concurrency_and_the_push_completes(tmp_path: Path) -> None:
    with (
        remote_registry(tmp_path) as remote,
        HttpRelay(registry_port(remote)) as relay,
        fdp_site("ana") as ana,
    ):
        ana.add_remote(remote, url=f"{relay.url}/api/")
        project = ana.project("many", {"config.yaml": CONFIG})
        job = ana.run_model(project, "config.yaml", MODEL_WRITES=",".join(PRODUCTS))
        assert job["exit_status"] == 0, job["output"]
        ana.ok("commit", job["id"])
        relay.fail_posts("object", count=2)

        status, final, _ = ana.stream_result("push")

        assert status == 0, final
        assert {item["status"] for item in final["result"]["items"]} == {"pushed"}, final
        assert relay.log.faults == 2
        # Locations go before objects, products after them: 8 at once, then 8 halved twice.
        locations = [n for n, kind in relay.log.concurrency if kind == "storage_location"]
        products = [n for n, kind in relay.log.concurrency if kind == "data_product"]
        assert max(locations) > 2 and max(products) <= 2, relay.log.concurrency
        names = [row["name"] for row in remote.records("data_product")]
        assert sorted(names) == sorted(PRODUCTS)
        objects = remote.records("object")
        assert len({row["uuid"] for row in objects}) == len(objects)
        assert all(row["authors"] for row in objects), objects
