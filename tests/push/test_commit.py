"""`commit`, `uncommit` and `status TOKEN|PATH` against real runs, and private output at push.

One fdp instance for the module, holding three jobs: a good run, a failed run and a run with a
private output. Each test takes back what it committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.push.in_process import Remote, Site, fdp_site, remote_registry, write_config


class Jobs:
    def __init__(self, site: Site, remote: Remote, jobs: dict[str, dict[str, Any]]) -> None:
        self.site = site
        self.remote = remote
        self.good, self.failed, self.private = jobs["good"], jobs["failed"], jobs["private"]
        self.private_item = jobs["private_item"]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jobs]:
    with remote_registry(tmp_path_factory.mktemp("remote")) as remote, fdp_site("ana") as ana:
        ana.add_remote(remote)
        configs = {
            "good.yaml": write_config("commit/good"),
            "failed.yaml": write_config("commit/failed"),
            "private.yaml": write_config("commit/private", public=False),
            # pyDataPipeline ignores a write item's `public`: fdp must keep it private anyway.
            "private-item.yaml": write_config("commit/item", public=True, item_public=False),
        }
        project = ana.project("model", configs)
        made = {
            "good": ana.run_model(project, "good.yaml", MODEL_WRITES="commit/good"),
            "failed": ana.run_model(
                project, "failed.yaml", MODEL_WRITES="commit/failed", MODEL_FAIL="3"
            ),
            "private": ana.run_model(project, "private.yaml", MODEL_WRITES="commit/private"),
            "private_item": ana.run_model(project, "private-item.yaml", MODEL_WRITES="commit/item"),
        }
        states = [made[name]["state"] for name in made]
        assert states == ["succeeded", "failed", "succeeded", "succeeded"]
        yield Jobs(ana, remote, made)


def committed(site: Site) -> dict[str, int]:
    return site.status_counts()["committed"]


def test_commit_of_a_failed_run_is_refused_without_force(jobs: Jobs) -> None:
    site, job = jobs.site, jobs.failed
    assert site.status_counts()["failed"].get("code_run") == 1

    refused = site.fdpctl("commit", job["id"])

    assert refused.returncode == 1
    assert f"job {job['id']}, which failed (exit status 3)" in refused.stderr, refused.stderr
    assert "--force" in refused.stderr
    assert not committed(site)

    forced = site.json("commit", "--force", job["id"])["items"]
    assert [(i["before"], i["after"]) for i in forced] == [("failed", "committed")]
    assert committed(site)["code_run"] == 1

    back = site.json("uncommit", job["id"])["items"]
    assert [(i["before"], i["after"]) for i in back] == [("committed", "failed")]
    assert not committed(site)
    assert site.status_counts()["failed"]["code_run"] == 1


def test_uncommit_of_a_record_another_committed_item_needs_keeps_it(jobs: Jobs) -> None:
    site, job = jobs.site, jobs.good
    product = "ana:commit/good@0.0.1"
    site.ok("commit", job["id"])  # the run, and its output with it
    assert committed(site)["data_product"] == 1

    [kept] = site.json("uncommit", product)["items"]

    assert (kept["before"], kept["after"]) == ("committed", "committed")
    assert kept["records_changed"] == 0
    assert "committed as part of code run" in kept["note"], kept
    assert committed(site)["data_product"] == 1
    # Named in a commit of its own, the product outlives the run's uncommit, and keeps the
    # run that made it (its provenance) committed...
    site.ok("commit", product)
    [run] = site.json("uncommit", job["id"])["items"]
    assert (run["before"], run["after"]) == ("committed", "committed")
    assert f"{product} needs it" in run["note"], run
    assert committed(site)["data_product"] == 1 and committed(site)["code_run"] == 1
    # ...and then both go with its own.
    [gone] = site.json("uncommit", product)["items"]
    assert (gone["before"], gone["after"]) == ("committed", "local")
    assert not committed(site)


def test_uncommit_of_a_named_item_another_committed_item_needs_keeps_it(jobs: Jobs) -> None:
    site, job = jobs.site, jobs.good
    product = "ana:commit/good@0.0.1"
    site.ok("commit", product)
    site.ok("commit", job["id"])

    [kept] = site.json("uncommit", product)["items"]

    assert (kept["before"], kept["after"]) == ("committed", "committed")
    assert "still committed" in kept["note"] and "code run" in kept["note"], kept
    [run] = site.json("uncommit", job["id"])["items"]  # no longer named: it goes with the run
    assert (run["before"], run["after"]) == ("committed", "local")
    assert not committed(site)


def test_ambiguous_or_unknown_tokens_are_errors_naming_candidates(jobs: Jobs) -> None:
    common = _common_prefix([jobs.good["id"], jobs.failed["id"], jobs.private["id"]])

    ambiguous = jobs.site.fdpctl("commit", common)

    assert ambiguous.returncode == 1
    assert "ambiguous" in ambiguous.stderr
    for job in (jobs.good, jobs.failed, jobs.private):
        assert f"job {job['id']}" in ambiguous.stderr, ambiguous.stderr
    unknown = jobs.site.fdpctl("commit", "zzzz")
    assert unknown.returncode == 1 and "nothing" in unknown.stderr and "zzzz" in unknown.stderr
    stray = jobs.site.root / "stray.csv"
    stray.write_text("never registered\n")
    unregistered = jobs.site.fdpctl("commit", str(stray))
    assert unregistered.returncode == 1 and "not registered" in unregistered.stderr
    assert not committed(jobs.site)


def test_commit_by_file_path_and_status_then_uncommit_by_name(jobs: Jobs) -> None:
    site = jobs.site
    [product] = site.local("data_product", name="commit/good")
    status = site.json("status", "ana:commit/good@0.0.1")["items"][0]
    assert status["state"] == "local" and status["job"] == jobs.good["id"]
    output = Path(status["file"])
    assert output.is_file() and output.is_relative_to(site.store)

    done = site.json("commit", str(output.relative_to(site.root)))["items"]

    assert [(i["item"], i["after"]) for i in done] == [("ana:commit/good@0.0.1", "committed")]
    # The product's provenance: the code run that made it is committed with it.
    [run] = site.job_runs(jobs.good["id"])
    assert done[0]["with_runs"] == [f"code run {run}"] and done[0]["held_back"] == []
    assert committed(site)["data_product"] == 1 and committed(site)["code_run"] == 1
    detail = site.json("status", str(output))["items"][0]
    assert detail["state"] == "committed" and detail["remote_url"] is None
    assert detail["hash"] == status["hash"] and detail["local_url"].endswith(
        product["url"].split("/api", 1)[1]
    )
    text = site.ok("status", "ana:commit/good@0.0.1")
    assert "committed" in text and str(output) in text

    fair_cli_form = site.json("status", "ana:commit/good@v0.0.1")["items"][0]  # FAIR-CLI's
    assert fair_cli_form["state"] == "committed" and fair_cli_form["hash"] == status["hash"]

    back = site.json("uncommit", "ana:commit/good@v0.0.1")["items"]
    assert [(i["before"], i["after"]) for i in back] == [("committed", "local")]
    assert not committed(site)


def test_private_output_is_never_uploaded_and_push_says_why(jobs: Jobs) -> None:
    site, remote = jobs.site, jobs.remote
    site.ok("commit", jobs.private["id"])

    status, final, events = site.stream_result("push")

    assert status == 0, final
    items = {item["item"]: item for item in final["result"]["items"]}
    assert {item["status"] for item in items.values()} == {"skipped"}
    product = items["ana:commit/private@0.0.1"]
    assert "public: false" in product["reason"], product
    warnings = [e["message"] for e in events if e["type"] == "warning"]
    assert any("not pushed" in w and "public: false" in w for w in warnings), warnings
    assert final["result"]["files_transferred"] == 0
    assert remote.count("storage_location") == 0 and remote.count("data_product") == 0
    assert not [p for p in remote.store.rglob("*") if p.is_file()]
    assert committed(site)["data_product"] == 1  # still waiting: never silently dropped
    site.ok("uncommit", jobs.private["id"])
    assert not committed(site)


def test_write_item_marked_private_stays_private(jobs: Jobs) -> None:
    """`public: false` on the write item alone (pyDataPipeline registers the file as public)."""
    site, remote = jobs.site, jobs.remote
    site.ok("commit", jobs.private_item["id"])
    status, final, _ = site.stream_result("push")
    assert status == 0, final
    items = {item["item"]: item for item in final["result"]["items"]}
    product = items["ana:commit/item@0.0.1"]
    assert product["status"] == "skipped"
    assert "accessibility=private" in product["reason"], product
    assert remote.count("data_product") == 0
    site.ok("uncommit", jobs.private_item["id"])
    assert not committed(site)


def _common_prefix(words: list[str]) -> str:
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix):
            prefix = prefix[:-1]
    assert prefix, words
    return prefix


def test_info_shows_privacy_exactly_as_push_decides_it(jobs: Jobs) -> None:
    site = jobs.site

    def file_of(token: str) -> dict[str, Any]:
        file: dict[str, Any] = site.json("info", token)["items"][0]["file"]
        return file

    marked = file_of("ana:commit/item@0.0.1")  # its location says public, fdp marked it private
    assert marked["public"] is False, marked
    assert "accessibility=private" in marked["private"]
    assert file_of("ana:commit/private@0.0.1")["public"] is False  # public: false
    assert file_of("ana:commit/good@0.0.1")["public"] is True
    [line] = [x for x in site.ok("info", "ana:commit/item@0.0.1").splitlines() if "public" in x]
    assert "no (" in line and "accessibility=private" in line, line
