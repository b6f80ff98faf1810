"""Push from a local registry to a shared remote registry (fdp's registry app, in process)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import TokenRejected
from fdpd.sync import SyncLedger, push
from fdpd.sync.report import SyncReport
from tests.sync.conftest import Side
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import add_code_run, add_product


def run_push(
    local: Side, remote: Side, roots: list[str], ledger: SyncLedger, **options: Any
) -> tuple[SyncReport, dict[str, int]]:
    async def go() -> tuple[SyncReport, dict[str, int]]:
        async with local.client("local") as local_client, remote.client("origin") as remote_client:
            report = await push(local_client, remote_client, roots, ledger, **options)
            return report, dict(remote_client.requests)

    return asyncio.run(go())


def remote_files(remote: Side) -> set[str]:
    return {p.name for p in remote.store.rglob("*") if p.is_file() and not p.name.startswith(".")}


def test_push_code_run_within_budget_then_again_without_writes(local: Side, remote: Side) -> None:
    run = add_code_run(local.seeder, local.files, tag="budget")
    ledger = MemoryLedger()

    report, requests = run_push(local, remote, [run["url"]], ledger)

    assert [item.status for item in report.items] == ["pushed"], report.items
    assert sum(requests.values()) <= 60, requests
    assert report.files_transferred == 4 and len(remote_files(remote)) == 4
    counts = remote.seeder.counts()
    assert counts["code_run"] == 1 and counts["data_product"] == 2 and counts["object"] == 5
    assert report.records_created >= 20
    runs = remote.seeder.http.get("/api/code_run/").json()["results"]
    assert runs[0]["uuid"] == run["uuid"]
    locations = remote.seeder.http.get("/api/storage_location/").json()["results"]
    assert not [loc for loc in locations if str(loc["path"]).startswith(("/", "file:"))]
    roots = {r["root"] for r in remote.seeder.http.get("/api/storage_root/").json()["results"]}
    assert not [root for root in roots if root.startswith("file:")]
    assert f"{remote.base_url}/data/" in roots

    again, requests_again = run_push(local, remote, [run["url"]], ledger)

    assert [item.status for item in again.items] == ["pushed"]
    assert sum(requests_again.values()) <= 10, requests_again
    assert set(requests_again) <= {"GET"} and again.records_created == 0
    assert remote.seeder.counts() == counts


def test_push_with_a_lost_ledger_finds_everything_and_writes_nothing(
    local: Side, remote: Side
) -> None:
    run = add_code_run(local.seeder, local.files, tag="lost")
    run_push(local, remote, [run["url"]], MemoryLedger())
    counts = remote.seeder.counts()

    again, requests = run_push(local, remote, [run["url"]], MemoryLedger())

    assert [item.status for item in again.items] == ["pushed"], again.items
    assert again.records_created == 0 and again.records_patched == 0
    assert set(requests) <= {"GET", "POST"}  # POSTs: uploads answered 409, uuid creates 409
    assert remote.seeder.counts() == counts


def test_private_data_is_never_uploaded(local: Side, remote: Side) -> None:
    root = f"file://{local.files}/"
    secret = b"patient,ward\n1,A\n"
    (local.files / "secret.csv").write_bytes(secret)
    (local.files / "marked.csv").write_bytes(b"marked private\n")
    (local.files / "open.csv").write_bytes(b"open\n")
    hidden = add_product(
        local.seeder,
        namespace="PSU",
        name="secret",
        version="1.0.0",
        content=secret,
        root=root,
        path="secret.csv",
        public=False,
    )
    marked = add_product(
        local.seeder,
        namespace="PSU",
        name="marked",
        version="1.0.0",
        content=b"marked private\n",
        root=root,
        path="marked.csv",
        private_key_value=True,
    )
    shown = add_product(
        local.seeder,
        namespace="PSU",
        name="open",
        version="1.0.0",
        content=b"open\n",
        root=root,
        path="open.csv",
    )
    warnings: list[str] = []

    report, _ = run_push(
        local,
        remote,
        [hidden.record["url"], marked.record["url"], shown.record["url"]],
        MemoryLedger(),
        on_warning=warnings.append,
    )

    statuses = {item.item: item.status for item in report.items}
    assert statuses == {
        "PSU:secret@1.0.0": "skipped",
        "PSU:marked@1.0.0": "skipped",
        "PSU:open@1.0.0": "pushed",
    }
    assert any("PSU:secret@1.0.0" in w and "public: false" in w for w in warnings), warnings
    assert any("PSU:marked@1.0.0" in w and "accessibility=private" in w for w in warnings)
    assert len(remote_files(remote)) == 1
    names = [p["name"] for p in remote.seeder.http.get("/api/data_product/").json()["results"]]
    assert names == ["open"]
    assert remote.seeder.count("key_value") == 0
    paths = [
        loc["path"] for loc in remote.seeder.http.get("/api/storage_location/").json()["results"]
    ]
    assert not [p for p in paths if "secret" in p or "marked" in p]


def test_wrong_token_error_names_the_remote_not_the_token(local: Side, remote: Side) -> None:
    (local.files / "f.csv").write_bytes(b"f\n")
    product = add_product(
        local.seeder,
        namespace="PSU",
        name="f",
        version="1.0.0",
        content=b"f\n",
        root=f"file://{local.files}/",
        path="f.csv",
    )
    wrong_token = "0123456789abcdef0123456789abcdef01234567"

    async def go() -> None:
        async with (
            local.client("local") as local_client,
            remote.client("origin", token=wrong_token) as target,
        ):
            await push(local_client, target, [product.record["url"]], MemoryLedger())

    with pytest.raises(TokenRejected) as caught:
        asyncio.run(go())
    text = f"{caught.value.message} {caught.value.hint}"
    assert "remote origin rejected the token; check the token file" in text
    assert wrong_token not in text and remote.token not in text
    assert sum(remote.seeder.counts().values()) == 0


def test_unreachable_remote_names_the_url(local: Side) -> None:
    from fdpd.remote.errors import RemoteUnreachable
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"

    async def go() -> None:
        async with RegistryClient(url, "x" * 40, name="origin", retry_delays=(0.01,)) as target:
            await target.list_records("namespace")

    with pytest.raises(RemoteUnreachable) as caught:
        asyncio.run(go())
    assert "remote origin" in caught.value.message and url in caught.value.message
    assert "x" * 40 not in caught.value.message


def test_many_products_load_by_whole_type_listings_and_push_again_reads_nothing_twice(
    local: Side, remote: Side
) -> None:
    """40 products: the local graph comes from a few type listings (record by record it would
    take 5 requests a product); with a ledger, pushing again writes nothing."""
    count = 40
    roots = []
    for index in range(count):
        content = f"many,{index}\n".encode()
        (local.files / f"m{index}.csv").write_bytes(content)
        product = add_product(
            local.seeder, namespace="MANY", name=f"many/p{index:03}", version="1.0.0",
            content=content, root=f"file://{local.files}/", path=f"m{index}.csv",
        )  # fmt: skip
        roots.append(product.record["url"])
    ledger = MemoryLedger()

    async def go() -> list[tuple[SyncReport, int, dict[str, int]]]:
        outcomes = []
        async with local.client("local") as local_client, remote.client("origin") as origin:
            for _ in range(2):
                local_before, remote_before = local_client.request_total, dict(origin.requests)
                report = await push(local_client, origin, roots, ledger)
                remote_made = {
                    method: number - remote_before.get(method, 0)
                    for method, number in origin.requests.items()
                }
                outcomes.append((report, local_client.request_total - local_before, remote_made))
        return outcomes

    (first, first_local, _), (again, again_local, again_remote) = asyncio.run(go())

    assert {item.status for item in first.items} == {"pushed"}, first.items
    assert first_local <= 30, first_local
    counts = remote.seeder.counts()
    assert counts["data_product"] == count and counts["storage_location"] == count
    assert {item.status for item in again.items} == {"pushed"}
    assert again_local <= 30 and again.records_created == 0
    # one request: the remote data store's root found (a bulk find is a POST that creates nothing)
    assert sum(again_remote.values()) <= 1 and again_remote.get("PUT", 0) == 0, again_remote
