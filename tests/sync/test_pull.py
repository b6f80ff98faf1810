"""Pull from a shared remote registry into a local registry (fdp's registry app, in process)."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from fdpd.sync import ProductRef, ReadRequest, pull, resolve_reads
from fdpd.sync.report import SyncReport
from tests.sync.conftest import Side
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import add_product


def run_pull(
    local: Side,
    remote: Side,
    items: list[ProductRef] | list[ReadRequest],
    ledger: MemoryLedger | None = None,
    **options: object,
) -> tuple[SyncReport, int]:
    async def go() -> tuple[SyncReport, int]:
        async with remote.client("origin") as remote_client, local.client("local") as local_client:
            refs = items
            if items and isinstance(items[0], ReadRequest):
                refs = await resolve_reads(remote_client, items)  # type: ignore[arg-type]
            report = await pull(
                remote_client,
                local_client,
                refs,
                ledger or MemoryLedger(),  # type: ignore[arg-type]
                local.store,
                **options,  # type: ignore[arg-type]
            )
            return report, remote_client.request_total

    return asyncio.run(go())


def test_pull_copies_records_and_verified_file(local: Side, remote: Side) -> None:
    content = b"x,y\n1,2\n"
    remote_root = f"{remote.base_url}/data/"
    sha1 = remote.seeder.upload(content)
    add_product(
        remote.seeder,
        namespace="SCRC",
        name="disease/params",
        version="1.0.0",
        content=content,
        root=remote_root,
        path=sha1,
        components=("table",),
    )

    report, _ = run_pull(local, remote, [ProductRef("SCRC", "disease/params", "1.0.0")])

    assert [item.status for item in report.items] == ["pulled"], report.items
    target = local.store / "SCRC" / "disease" / "params" / "1.0.0.csv"
    assert target.read_bytes() == content
    products = local.seeder.http.get("/api/data_product/", params={"name": "disease/params"})
    [product] = products.json()["results"]
    obj = local.seeder.http.get(product["object"]).json()
    location = local.seeder.http.get(obj["storage_location"]).json()
    root = local.seeder.http.get(location["storage_root"]).json()
    assert location["hash"] == hashlib.sha1(content).hexdigest()
    assert root["root"] + location["path"] == f"file://{local.store}/SCRC/disease/params/1.0.0.csv"
    names = {
        c["name"]
        for c in local.seeder.http.get(
            "/api/object_component/", params={"object": obj["url"].rstrip("/").rsplit("/", 1)[1]}
        ).json()["results"]
    }
    assert names == {"whole_object", "table"}
    assert len(obj["authors"]) == 1


def test_pull_twice_creates_nothing(local: Side, remote: Side) -> None:
    content = b"same\n"
    add_product(
        remote.seeder,
        namespace="SCRC",
        name="a",
        version="0.1.0",
        content=content,
        root=f"{remote.base_url}/data/",
        path=remote.seeder.upload(content),
    )
    first, _ = run_pull(local, remote, [ProductRef("SCRC", "a", "0.1.0")])
    counts = local.seeder.counts()

    again, _ = run_pull(local, remote, [ProductRef("SCRC", "a", "0.1.0")])

    assert first.records_created > 0 and first.files_transferred == 1
    assert again.records_created == 0 and again.files_transferred == 0
    assert [item.status for item in again.items] == ["pulled"]
    assert local.seeder.counts() == counts


def test_wildcard_pull_of_twelve_products_within_budget(local: Side, remote: Side) -> None:
    remote_root = f"{remote.base_url}/data/"
    for index in range(12):
        for version in ("0.1.0", "0.2.0"):
            content = f"scale {index} {version}\n".encode()
            sha1 = remote.seeder.upload(content)
            add_product(
                remote.seeder,
                namespace="SCRC",
                name=f"scale/p{index:02}",
                version=version,
                content=content,
                root=remote_root,
                path=sha1,
            )
    add_product(
        remote.seeder,
        namespace="SCRC",
        name="scaled/not-matched",
        version="1.0.0",
        content=b"no",
        root=remote_root,
        path="x",
    )

    report, requests = run_pull(local, remote, [ReadRequest("SCRC", "scale/*")])

    assert len(report.items) == 12
    assert all(item.status == "pulled" for item in report.items), report.items
    assert all(item.item.endswith("@0.2.0") for item in report.items)
    assert requests <= 80, requests
    assert local.seeder.count("data_product") == 12
    assert (local.store / "SCRC" / "scale" / "p07" / "0.2.0.csv").read_bytes() == b"scale 7 0.2.0\n"


def test_download_with_wrong_hash_is_rejected_and_nothing_registered(
    local: Side, remote: Side
) -> None:
    served = b"tampered\n"
    root = f"{remote.base_url}/data/"
    # the registry serves a path by its first location's hash: "good" makes it serve `served`
    for name, recorded in (("good", served), ("bad", b"original\n")):
        add_product(
            remote.seeder,
            namespace="SCRC",
            name=name,
            version="1.0.0",
            content=recorded,
            root=root,
            path=remote.seeder.upload(served),
        )
    warnings: list[str] = []

    report, _ = run_pull(
        local, remote, [ProductRef("SCRC", "bad", "1.0.0")], on_warning=warnings.append
    )

    [item] = report.items
    assert item.status == "failed" and "SHA-1" in item.reason
    assert warnings and "SHA-1" in warnings[0]
    assert local.seeder.count("data_product") == 0
    assert local.seeder.count("object") == 0
    assert not list(local.store.rglob("*.csv"))
    assert not [p for p in local.store.rglob("*") if p.is_file()]


def test_pull_with_provenance_brings_the_producing_run(local: Side, remote: Side) -> None:
    from tests.sync.seed import add_code_run

    add_code_run(remote.seeder, remote.files, tag="prov", served_at=remote.base_url)

    report, _ = run_pull(
        local, remote, [ProductRef("PSU", "prov/output", "0.1.0")], with_provenance=True
    )

    assert [item.status for item in report.items] == ["pulled"], report.items
    runs = local.seeder.http.get("/api/code_run/").json()["results"]
    assert [run["description"] for run in runs] == ["model run prov"]
    assert local.seeder.count("data_product") == 2  # the output and the run's input
    assert (local.store / "PSU" / "prov" / "output" / "0.1.0.csv").exists()
    assert not (local.store / "PSU" / "prov" / "input").exists()  # records only, no files


@pytest.mark.parametrize("missing", ["namespace", "product"])
def test_resolving_an_unknown_read_names_it(local: Side, remote: Side, missing: str) -> None:
    from fdpd.remote.errors import RemoteNotFound

    add_product(
        remote.seeder,
        namespace="SCRC",
        name="a",
        version="0.1.0",
        content=b"a",
        root="https://example.org/",
        path="a.csv",
    )
    request = ReadRequest("NOPE" if missing == "namespace" else "SCRC", "b/*")
    with pytest.raises(RemoteNotFound) as caught:
        run_pull(local, remote, [request])
    assert ("NOPE" if missing == "namespace" else "SCRC:b/*") in caught.value.message
