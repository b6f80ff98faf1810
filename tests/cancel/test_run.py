"""Cancelling `fdpctl run` of a real pyDataPipeline model that sleeps: with `fdpctl cancel` (by
operation id, by job id prefix), with Ctrl-C (SIGINT to the running fdpctl), and a second Ctrl-C
that detaches. Each time the model and the child it started are gone (checked by pid), and the
journal says `cancelled`; what the job registered is recorded as a failed job's is."""

from __future__ import annotations

import time

from tests.cancel.conftest import Sleeper, gone, interrupt, operation, running_operation
from tests.faults.conftest import wait_for
from tests.push.processes import Site

RUN_TIMEOUT = 30


def test_fdpctl_cancel_stops_the_model_and_its_child(site: Site, sleeper: Sleeper) -> None:
    running = sleeper.start()
    model, child = sleeper.pids()
    op = running_operation(site, "run")
    job = site.json("log")["jobs"][0]["id"]

    cancel = site.fdpctl("cancel", str(op))

    assert cancel.returncode == 0, cancel.stdout + cancel.stderr
    assert f"cancelling run {op} (job {job}) ..." in cancel.stdout
    assert f"run {op} cancelled while its script ran: job {job} was stopped" in cancel.stdout
    assert "its script ended on SIGTERM" in cancel.stdout
    assert gone(model, child)  # `cancel` returns once the operation has ended
    out, err = running.communicate(timeout=RUN_TIMEOUT)
    assert running.returncode == 130, out + err
    assert "sleeping" in out
    assert f"fdpctl: run {op} cancelled while its script ran" in err
    assert "hint: `fdpctl gc` removes what failed and cancelled jobs left" in err
    assert "Traceback" not in err

    recorded = site.json("log")
    assert [o["outcome"] for o in recorded["operations"] if o["id"] == op] == ["cancelled"]
    [shown] = [j for j in recorded["jobs"] if j["id"] == job]
    assert (shown["state"], shown["exit_status"]) == ("cancelled", -15)
    table = site.ok("log")
    assert any(line.split()[:2] == [job, "cancelled"] for line in table.splitlines()), table


def test_what_a_cancelled_job_registered_counts_as_failed(site: Site, sleeper: Sleeper) -> None:
    running = sleeper.start()
    sleeper.pids()  # initialise has registered the code run, working config and script
    op = running_operation(site, "run")
    assert site.fdpctl("cancel", str(op)).returncode == 0
    running.communicate(timeout=RUN_TIMEOUT)
    job = site.json("log")["jobs"][0]

    items = site.instance.request("GET", f"/v1/jobs/{job['id']}").json()["items"]
    kinds = {item["type"] for item in items}
    assert {"code_run", "storage_location", "object"} <= kinds, items
    assert {item["state"] for item in items} == {"failed"}
    refused = site.fdpctl("commit", job["id"])
    assert refused.returncode == 1
    assert f"job {job['id']}, which was cancelled" in refused.stderr
    assert "--force" in refused.stderr
    status, final, _ = site.stream_result("gc", "--dry-run")
    assert status == 0, final
    assert final["result"]["records"] >= len(items), final  # gc takes it for a failed job's


def test_ctrl_c_cancels_and_sigkill_follows_a_child_that_ignores_sigterm(
    site: Site, sleeper: Sleeper
) -> None:
    running = sleeper.start(SLEEPER_CHILD_IGNORES_TERM="1")
    model, child = sleeper.pids()
    op = running_operation(site, "run")
    job = site.json("log")["jobs"][0]["id"]

    interrupted = time.monotonic()
    interrupt(running)
    out, err = running.communicate(timeout=RUN_TIMEOUT)
    took = time.monotonic() - interrupted

    assert running.returncode == 130, out + err
    assert f"fdpctl: cancelling run {op} (job {job}) ... (Ctrl-C again to detach)" in err
    assert "processes still running 5 s after SIGTERM got SIGKILL" in err
    assert gone(model, child)
    assert took >= 5, took  # the grace period was waited, then SIGKILL (load only adds to it)
    assert operation(site, op)["operation"]["outcome"] == "cancelled"
    assert "Traceback" not in err


def test_cancel_by_job_id_prefix_without_waiting(site: Site, sleeper: Sleeper) -> None:
    running = sleeper.start("--json")
    model, child = sleeper.pids()
    op = running_operation(site, "run")
    job = site.json("log")["jobs"][0]["id"]

    cancel = site.fdpctl("--json", "cancel", job[:-3], "--no-wait")

    assert cancel.returncode == 0, cancel.stderr
    answer = site.json("log", str(op))["operation"]
    assert answer["id"] == op
    running.communicate(timeout=RUN_TIMEOUT)
    assert running.returncode == 130
    assert gone(model, child)
    assert site.json("log", job)["state"] == "cancelled"


def test_second_ctrl_c_detaches_and_the_cancel_goes_on(site: Site, sleeper: Sleeper) -> None:
    running = sleeper.start(SLEEPER_ON_TERM="linger", LINGER="2")
    model, child = sleeper.pids()
    op = running_operation(site, "run")
    assert running.stderr is not None

    interrupt(running)
    said = ""
    while not said.startswith("fdpctl: cancelling"):  # after the config's warnings
        said = running.stderr.readline()
        assert said, "fdpctl said nothing of the cancel"
    assert said.startswith(f"fdpctl: cancelling run {op} (job "), said
    interrupt(running)
    _, err = running.communicate(timeout=RUN_TIMEOUT)

    assert running.returncode == 130
    assert f"detached from run {op} (job " in err and "its cancel goes on in fdpd" in err
    assert f"follow it with `fdpctl log -f {op}`" in err
    assert operation(site, op)["operation"]["outcome"] == "running"  # it goes on in fdpd
    followed = site.fdpctl("log", "-f", str(op))
    assert followed.returncode == 0, followed.stderr
    assert "cleaning up" in followed.stdout  # what the model printed after fdpctl detached
    assert followed.stdout.rstrip().endswith(f"# run {op}: cancelled"), followed.stdout
    assert sleeper.marker.exists()
    wait_for(lambda: gone(model, child), timeout=5)
    error = operation(site, op)["operation"]["error"]
    assert error["code"] == "cancelled" and "SIGKILL" not in error["message"], error


def test_cancel_what_is_not_running_says_so(site: Site) -> None:
    missing = site.fdpctl("cancel", "999999")
    assert missing.returncode == 1
    assert "no operation 999999 in the journal" in missing.stderr
    site.ok("daemon", "check")  # an operation that has ended
    ended = site.json("log")["operations"][0]
    refused = site.fdpctl("cancel", str(ended["id"]))
    assert refused.returncode == 1
    assert f"{ended['verb']} {ended['id']} is not running (it ended {ended['outcome']})" in (
        refused.stderr
    )
    assert "130  interrupted: the operation was cancelled" in site.ok("--help")
