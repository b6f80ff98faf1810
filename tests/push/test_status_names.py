"""`fdpctl status` names the items in each state (local, committed, from failed jobs, updates
available) with the command that moves them on, cuts long lists, and counts items, as `run`,
`commit` and `push` do. fdp in process (tests/push/in_process.py) running real pyDataPipeline
models; tests/push/test_status_terminal.py shows the colours on a real terminal."""

from __future__ import annotations

from pathlib import Path

from tests.push.in_process import Remote, Site, ana, fdp_site, remote, write_config

__all__ = ["ana", "remote"]  # in process: tests/push/in_process.py

MANY = [f"many/p{number:02}" for number in range(12)]
READ_SHARED = """\
run_metadata:
  description: bob reads ana's table
  script: python3 model.py
read:
  - data_product: shared/table
    use:
      namespace: ana
"""


def many_config() -> str:
    items = "".join(
        f"  - data_product: {name}\n    description: {name}\n    file_type: csv\n" for name in MANY
    )
    return (
        f"run_metadata:\n  description: writes twelve\n  script: python3 model.py\nwrite:\n{items}"
    )


def test_status_names_items_by_state_with_the_next_command(ana: Site, remote: Remote) -> None:
    assert ana.ok("status") == "Nothing to commit or push.\n"
    project = ana.project(
        "names", {"a.yaml": write_config("names/a"), "b.yaml": write_config("names/b")}
    )
    first = ana.run_model(project, "a.yaml", MODEL_WRITES="names/a")
    second = ana.run_model(project, "b.yaml", MODEL_WRITES="names/b")
    [first_run] = ana.job_runs(first["id"])
    [second_run] = ana.job_runs(second["id"])

    shown = ana.ok("status").splitlines()
    assert shown[0].startswith("Local only, not committed: 4 items (")
    assert shown[1:7] == [
        f"  job {second['id']}",  # the newest job first
        f"    code run {second_run}  writes names/b",
        "    ana:names/b@0.0.1",
        f"  job {first['id']}",
        f"    code run {first_run}  writes names/a",
        "    ana:names/a@0.0.1",
    ]
    assert shown[7] == f"  next: fdpctl commit {second['id']}   (a job, or any item above)"
    assert not any(line.startswith("Committed") for line in shown)

    committed = ana.ok("commit", first["id"]).splitlines()
    assert committed[0].startswith(f"committed code run {first_run}: 2 items (")
    records = int(committed[0].split("(")[1].split()[0])
    assert committed[1].startswith("next: fdpctl push")
    answer = ana.json("status")
    assert answer["counts"]["committed"] == {"items": 2, "records": records}
    assert sum(answer["items"]["committed"].values()) == records  # the old key keeps its form
    assert [n["item"] for n in answer["names"]["committed"]] == [
        f"code run {first_run}",
        "ana:names/a@0.0.1",
    ]
    shown = ana.ok("status").splitlines()
    at = shown.index(f"Committed, to be pushed: 2 items ({records} registry records)")
    assert shown[at + 1 : at + 5] == [
        f"  job {first['id']}",
        f"    code run {first_run}  writes names/a",
        "    ana:names/a@0.0.1",
        "  next: fdpctl push   (fdpctl push --dry-run lists what it would publish)",
    ]

    ana.ok("commit", second["id"])
    status, final, _ = ana.stream_result("push")
    assert status == 0, final
    shown = ana.ok("status").splitlines()
    assert shown[0] == "Nothing to commit or push."
    assert shown[2].startswith("Synced: 4 items (") and " pushed (last sync " in shown[2]
    assert "ana:names/a@0.0.1" not in "\n".join(shown)  # pushed items: a count, unless --all
    every = ana.ok("status", "--all")
    assert "  pushed:\n" in every and "      ana:names/a@0.0.1\n" in every
    detail = ana.json("status", "ana:names/a@0.0.1")["items"][0]  # one item: as before
    assert detail["state"] == "pushed" and detail["remote"] == "origin"


def test_long_lists_are_cut_and_all_shows_every_name(ana: Site) -> None:
    project = ana.project("many", {"config.yaml": many_config()})
    job = ana.run_model(project, "config.yaml", MODEL_WRITES=",".join(MANY))
    assert job["exit_status"] == 0, job["output"]
    shown = ana.ok("status")
    assert shown.startswith("Local only, not committed: 13 items (")
    listed = [name for name in MANY if f"ana:{name}@0.0.1" in shown]
    assert len(listed) == 9  # ten names: the code run and nine products
    assert "  ... and 3 more (fdpctl status --all)\n" in shown
    every = ana.ok("status", "--all")
    assert all(f"    ana:{name}@0.0.1\n" in every for name in MANY)
    assert "more (fdpctl status --all)" not in every
    assert len(ana.json("status")["names"]["local"]) == 10
    assert len(ana.json("status", "--all")["names"]["local"]) == 13


def test_failed_jobs_are_listed_with_how_to_see_why(ana: Site) -> None:
    project = ana.project("fails", {"config.yaml": write_config("fails/x")})
    job = ana.run_model(project, "config.yaml", MODEL_WRITES="fails/x", MODEL_FAIL="3")
    assert job["exit_status"] == 4, job["output"]
    shown = ana.ok("status").splitlines()
    at = next(n for n, line in enumerate(shown) if line.startswith("From failed jobs: "))
    assert "never pushed unless committed with --force" in shown[at]
    config = project / "config.yaml"
    assert shown[at + 1] == f"  job {job['id']} failed (exit status 3), {config}: 1 item"
    assert shown[at + 2].startswith(f"  next: fdpctl log {job['id']}   (what it printed)")
    [listed] = ana.json("status")["unfinished_jobs"]
    assert (listed["job"], listed["exit_status"]) == (job["id"], 3)


def test_pulled_items_are_named_and_updates_listed(ana: Site, remote: Remote) -> None:
    project = ana.project("shared", {"config.yaml": write_config("shared/table")})
    publish(ana, project)
    with fdp_site("bob") as bob:
        bob.add_remote(remote)
        (bob.root / "read.yaml").write_text(READ_SHARED)
        bob.ok("pull", str(bob.root / "read.yaml"))
        # the journal has no name for what bob pulled yet: status looks it up once
        shown = bob.ok("status", "--all")
        assert "Synced: 1 item (" in shown and " pulled (last sync " in shown, shown
        assert "  pulled:\n" in shown and "      ana:shared/table@0.0.1\n" in shown, shown
        publish(ana, project)  # 0.0.2
        checked = bob.fdpctl("update", "--check")
        assert checked.returncode == 0, checked.stderr
        shown_lines = bob.ok("status").splitlines()
        at = next(n for n, line in enumerate(shown_lines) if line.startswith("Updates: "))
        assert shown_lines[at].startswith("Updates: 1 update available (checked ")
        assert shown_lines[at + 1] == "  ana:shared/table 0.0.1 -> 0.0.2 (from origin)"
        assert shown_lines[at + 2] == "  next: fdpctl update"


def publish(site: Site, project: Path) -> None:
    """Run the project's model, commit its job and push it."""
    job = site.run_model(project, "config.yaml", MODEL_WRITES="shared/table")
    assert job["exit_status"] == 0, job["output"]
    site.ok("commit", job["id"])
    status, final, _ = site.stream_result("push")
    assert status == 0, final
