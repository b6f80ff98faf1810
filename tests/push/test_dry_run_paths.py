"""`push --dry-run` lists the absolute local paths the working config and script of each code
run being pushed would publish (data store, home folder, interpreter...), per item."""

from __future__ import annotations

from fdpd.features.push.exposed_paths import absolute_paths
from tests.push.in_process import Remote, Site, ana, remote, write_config

SCRIPT_LINE = "/usr/bin/env python3 model.py --log /home/ana/private/run.log"

__all__ = [
    "ana",
    "remote",
]  # in process: tests/push/in_process.py


def test_dry_run_lists_absolute_paths_of_working_config_and_script(
    ana: Site, remote: Remote
) -> None:
    config = write_config("paths/out").replace("script: python3 model.py", f"script: {SCRIPT_LINE}")
    project = ana.project("model", {"config.yaml": config})
    job = ana.run_model(project, "config.yaml", MODEL_WRITES="paths/out")
    assert job["exit_status"] == 0, job["output"]
    [run_uuid] = ana.job_runs(job["id"])
    ana.ok("commit", run_uuid[:8])

    status, final, _ = ana.stream_result("push", "--dry-run")

    assert status == 0, final
    exposed = final["result"]["exposed_paths"]
    run_item = f"code run {run_uuid}"
    by_role = {(e["item"], e["is"].split(" of ")[0]): e for e in exposed}
    script = by_role[(run_item, "submission script")]
    assert "/usr/bin/env" in script["paths"] and "/home/ana/private/run.log" in script["paths"]
    working = by_role[(run_item, "working config")]
    assert any(p.startswith(str(ana.store)) for p in working["paths"]), working
    assert remote.count("code_run") == 0

    text = ana.ok("push", "--dry-run")
    assert "absolute local paths" in text and "/home/ana/private/run.log" in text, text
    assert f"{run_item}: submission script of {run_item}" in text, text


def test_absolute_paths_skips_urls_and_relative_paths_and_marks_the_home_folder() -> None:
    text = (
        "script: python3 model.py\n"
        "url: https://example.org/a/b and file:///srv/x\n"
        "data: /home/ana/data.csv, ratio 1/2, rel a/b/c\n"
        "win: C:\\Users\\ana\\x.txt and ~/notes.txt\n"
        "run /usr/bin/python3 /home/ana/data.csv\n"
    )
    assert absolute_paths(text, "/home/ana") == [
        "/home/ana/data.csv (home folder)",
        "C:\\Users\\ana\\x.txt",
        "~/notes.txt (home folder)",
        "/usr/bin/python3",
    ]
