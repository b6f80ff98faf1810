"""Cancelling `fdpctl pull` and `fdpctl push` behind a slow relay, at several points: while a
`register:` source downloads, while a remote file downloads, between record batches of a pull,
while a file uploads, between record batches of a push. Each time the data stores hold no partial
file, the operation is recorded `cancelled`, and the same command run again finishes with
nothing lost and nothing duplicated."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cancel.conftest import interrupt, running_operation
from tests.faults.conftest import (
    Faulty,
    journal,
    local_view,
    pull_project,
    start_fdpctl,
    wait_for,
)
from tests.faults.consistency import assert_store_clean, leftover_parts, sha1_of
from tests.faults.test_pull_interrupted import (
    assert_pulled_consistently,
    copying_records,
    pull_again_succeeds,
    read_events_until,
)
from tests.fdp_process import json_lines
from tests.push.processes import Remote, Site, write_config
from tests.push.slow_proxy import SlowProxy
from tests.run.conftest import make_project

BIG = 6 << 20  # bytes: ~4 s through the throttled relay
BIG_UPLOAD = 3 << 20  # bytes: ~5 s through the slow proxy


def cancelled_event(process: subprocess.Popen[str], seen: list[dict[str, object]]) -> str:
    """The message of the `cancelled` error that ended `process` (fdpctl --json), which must
    have exited 130."""
    out, err = process.communicate(timeout=60)
    events = seen + json_lines(out)
    assert process.returncode == 130, (events[-3:], err)
    error = events[-1]["error"]
    assert isinstance(error, dict) and error["code"] == "cancelled", events[-3:]
    assert "Traceback" not in err
    return str(error["message"])


def test_pull_cancelled_mid_download_keeps_no_partial_file(puller: Site, relayed: Faulty) -> None:
    big = os.urandom(BIG)
    products = {
        relayed.publish("floods", "gauges/big", big),
        relayed.publish("floods", "gauges/small", b"gauge,level\n1,2\n"),
    }
    config = pull_project(puller, ("floods", "gauges/big"), ("floods", "gauges/small"))
    relayed.relay.throttle(0.01)
    pulling = start_fdpctl(puller, "pull", str(config))
    wait_for(
        lambda: any(p.stat().st_size > 256 << 10 for p in leftover_parts(puller.store)),
        what="a partial download",
    )
    op = running_operation(puller, "pull")

    cancel = puller.fdpctl("cancel", str(op))

    assert cancel.returncode == 0, cancel.stdout + cancel.stderr
    assert f"pull {op} cancelled while downloading a file" in cancel.stdout, cancel.stdout
    assert "nothing partial was kept; run the command again" in cancel.stdout
    assert f"pull {op} cancelled" in cancelled_event(pulling, [])
    assert_store_clean(puller.store)  # at once: the cancel ends after the clean-up
    assert not (puller.store / "floods" / "gauges" / "big" / "1.0.0.csv").exists()
    assert journal(puller).operations("pull") == ["cancelled"]

    relayed.relay.throttle(0)
    assert pull_again_succeeds(puller, config)["ok"] is True
    assert (puller.store / "floods" / "gauges" / "big" / "1.0.0.csv").read_bytes() == big
    assert_pulled_consistently(puller, relayed, products)
    assert journal(puller).operations("pull") == ["cancelled", "succeeded"]


def test_pull_cancelled_by_ctrl_c_between_record_batches(puller: Site, relayed: Faulty) -> None:
    names = [f"tides/station{n:02}" for n in range(24)]
    products = {
        relayed.publish("coast", name, f"tide,{n}\n".encode()) for n, name in enumerate(names)
    }
    config = pull_project(puller, *(("coast", name) for name in names))
    pulling = start_fdpctl(puller, "pull", str(config))
    seen = read_events_until(pulling, copying_records)

    interrupt(pulling)

    message = cancelled_event(pulling, seen)
    assert message.endswith("cancelled between record batches"), message
    local = local_view(puller)
    # before its end, and never half a closure: from an fdp remote the records come in one
    # atomic bulk request (docs/registry-api.md), so the local registry holds none or all
    assert len(local.products()) in (0, len(products))
    assert local.duplicates() == {}
    assert_store_clean(puller.store)
    assert journal(puller).operations("pull") == ["cancelled"]

    result = pull_again_succeeds(puller, config)

    assert result["ok"] is True
    assert_pulled_consistently(puller, relayed, products)


def test_pull_cancelled_while_a_register_source_downloads(
    puller: Site, relayed: Faulty, tmp_path: Path
) -> None:
    content = os.urandom(BIG)
    relayed.publish("upstream", "table", content)  # so that the remote serves /data/<sha1>
    sha1 = sha1_of(content)
    config = (
        make_project(
            tmp_path / "register",
            {
                "config.yaml": f"""\
run_metadata:
  description: register a big table
  script: python3 model.py
register:
  - data_product: web/table
    namespace_name: sources
    root: {relayed.relay.url}/data/
    path: {sha1}
    file_type: csv
    version: "1.0.0"
"""
            },
        )
        / "config.yaml"
    )
    relayed.relay.throttle(0.01)
    pulling = start_fdpctl(puller, "pull", str(config))
    op = running_operation(puller, "pull")
    wait_for(
        lambda: any(p.stat().st_size > 256 << 10 for p in leftover_parts(puller.store)),
        what="a partial register download",
    )

    assert puller.fdpctl("cancel", str(op)).returncode == 0

    message = cancelled_event(pulling, [])
    assert message == f"pull {op} cancelled while downloading the source of sources:web/table", (
        message
    )
    assert_store_clean(puller.store)
    assert local_view(puller).products() == set()  # nothing registered
    relayed.relay.throttle(0)
    result = pull_again_succeeds(puller, config)
    assert [item["status"] for item in result["items"]] == ["registered"]  # type: ignore[index]
    assert (puller.store / "sources" / "web" / "table" / "1.0.0.csv").read_bytes() == content
    assert_store_clean(puller.store)


def commit_runs(site: Site, count: int) -> None:
    configs = {f"run{n}.yaml": write_config(f"slow/out{n}") for n in range(count)}
    project = site.project("model", configs)
    for n in range(count):
        job = site.run_model(project, f"run{n}.yaml", MODEL_WRITES=f"slow/out{n}")
        assert job["exit_status"] == 0, job["output"]
        site.ok("commit", job["id"])


def test_push_cancelled_between_record_batches_then_push_again(
    pusher: tuple[Site, Remote, SlowProxy],
) -> None:
    ana, remote, proxy = pusher
    commit_runs(ana, 2)
    # To an fdp remote the records go in one atomic bulk request (docs/registry-api.md), and the
    # next safe point is once its answer is in the ledger: hold that answer until the cancel is in.
    released = proxy.hold_answers(b"POST /fdp/bulk/push ")
    pushing = start_fdpctl(ana, "push")
    op = running_operation(ana, "push")
    wait_for(lambda: remote.count("code_run") >= 1, what="records on the remote")

    # The route itself, not `fdpctl cancel` (whose start-up can outlast the few batches left).
    cancel = ana.instance.request("POST", f"/v1/operations/{op}/cancel")
    released.set()

    assert cancel.status == 202, cancel.body
    message = cancelled_event(pushing, [])
    assert message == f"push {op} cancelled between record batches", message
    assert remote.count("code_run") == 2  # never half a closure
    counts = ana.status_counts()
    assert not counts["pushed"], counts  # nothing is taken for pushed before it is
    assert leftover_parts(remote.store) == []

    status, final, _ = ana.stream_result("push")

    assert status == 0, final
    assert [item["status"] for item in final["result"]["items"]] == ["pushed"] * 4
    local = {t: len(ana.local(t, page_size="1000")) for t in ("code_run", "object")}
    assert {t: remote.count(t) for t in local} == local  # no duplicate on the remote
    assert [op["outcome"] for op in ana.json("log")["operations"] if op["verb"] == "push"][:2] == [
        "succeeded",
        "cancelled",
    ]


def test_push_cancelled_by_ctrl_c_mid_upload_then_push_again(
    pusher: tuple[Site, Remote, SlowProxy],
) -> None:
    ana, remote, _ = pusher
    source = ana.root / "big.csv"
    source.write_bytes(os.urandom(BIG_UPLOAD))
    config = (
        make_project(
            ana.root / "register",
            {
                "config.yaml": f"""\
run_metadata:
  description: a big local table
  script: python3 model.py
register:
  - data_product: big/table
    namespace_name: ana
    root: file://{source.parent}/
    path: {source.name}
    file_type: csv
    version: "1.0.0"
"""
            },
        )
        / "config.yaml"
    )
    ana.ok("pull", str(config))
    ana.ok("commit", "ana:big/table@1.0.0")
    pushing = start_fdpctl(ana, "push")
    wait_for(
        lambda: any(p.stat().st_size > 256 << 10 for p in leftover_parts(remote.store)),
        what="a partial upload in the remote store",
    )

    interrupt(pushing)

    message = cancelled_event(pushing, [])
    assert message.endswith("cancelled while uploading a file"), message
    assert remote.count("data_product") == 0
    wait_for(lambda: leftover_parts(remote.store) == [], timeout=10, what="no partial upload")
    # bytes already in the relay's buffers may still complete the file: then it is whole
    for kept in (p for p in remote.store.rglob("[!.]*") if p.is_file()):
        assert sha1_of(kept.read_bytes()) == kept.name, kept

    status, final, _ = ana.stream_result("push")

    assert status == 0, final
    assert [item["status"] for item in final["result"]["items"]] == ["pushed"]
    assert remote.count("data_product") == 1
    sha1 = sha1_of(source.read_bytes())
    assert remote.file_sha1(sha1) == sha1
