"""Text from others never drives the terminal (issue 20 item 9): eve writes terminal escapes (set
the window title, clear the screen) into a shared registry's record and file; ana pulls and runs
a model reading it; the real fdpctl on a pseudo-terminal shows them escaped in pull, run, info,
status, log and an error message, while `--json` keeps the text exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.terminal import run_on_terminal
from tests.fdp_process import FDPCTL
from tests.push.processes import Site, ana, fdp_site, remote, remote_registry
from tests.sync.seed import Seeder

__all__ = ["ana", "remote"]  # the real fdpd and shared registry (tests/push/processes.py)

HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\x9b1;1H\u202eevil"
SHOWN = "\\x1b]0;PWNED\\x07\\x1b[2J\\x9b1;1H\\u202eevil"  # as fdpctl prints it
CONFIG = """\
run_metadata:
  description: "reads eve's data \\e]0;TITLE\\a"
  script: python3 model.py
read:
  - data_product: hostile/data
    use:
      namespace: eve
      version: "1.0.0"
write:
  - data_product: mine/out
    description: "made from \\e]0;PWNED\\a\\e[2J"
    file_type: csv
"""


@dataclass
class Story:
    ana: Site
    project: Path
    job_id: str
    ran: str


def _seed_hostile(seeder: Seeder, base_url: str) -> None:
    """eve's data product: its object's description and its file hold terminal escapes."""
    content = f"station,{HOSTILE}\n".encode()
    sha1 = seeder.upload(content)
    root = seeder.once("storage_root", {"root": f"{base_url}/data/", "local": False})
    location = seeder.post(
        "storage_location",
        {"path": sha1, "hash": sha1, "public": True, "storage_root": root["url"]},
    )
    file_type = seeder.once("file_type", {"name": "csv", "extension": "csv"})
    obj = seeder.post(
        "object",
        {
            "description": HOSTILE,
            "storage_location": location["url"],
            "file_type": file_type["url"],
        },
    )
    namespace = seeder.once("namespace", {"name": "eve"})
    seeder.post(
        "data_product",
        {
            "namespace": namespace["url"],
            "name": "hostile/data",
            "version": "1.0.0",
            "object": obj["url"],
        },
    )


def _terminal(ana: Site, *args: str, cwd: Path | None = None) -> tuple[int, str]:
    return run_on_terminal([str(FDPCTL), *args], ana.instance.env, cwd=cwd)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    with ExitStack() as stack:
        remote = stack.enter_context(remote_registry(tmp_path_factory.mktemp("escapes")))
        ana = stack.enter_context(fdp_site("ana"))
        ana.add_remote(remote)
        seeder = Seeder(remote.registry.base_url, remote.add_user("eve").read_text().strip())
        stack.callback(seeder.close)
        _seed_hostile(seeder, remote.registry.base_url)
        project = ana.project("escapes", {"config.yaml": CONFIG})
        ana.ok("pull", "config.yaml", cwd=project)
        env = {**ana.instance.env, "MODEL_READS": "hostile/data", "MODEL_WRITES": "mine/out"}
        status, ran = run_on_terminal([str(FDPCTL), "run", "config.yaml"], env, cwd=project)
        assert status == 0, ran
        job_id = ana.json("log")["jobs"][0]["id"]
        yield Story(ana, project, job_id, ran)


def _assert_escaped(shown: str, expected: str = SHOWN) -> None:
    for raw in ("\x1b]", "\x07", "\x1b[2J", "\x9b", "\u202e"):
        assert raw not in shown, repr(shown)
    assert expected in shown, shown


def test_run_shows_what_the_model_printed_escaped(story: Story) -> None:
    _assert_escaped(story.ran, f"read hostile/data: station,{SHOWN}")


def test_info_shows_a_remote_description_escaped(story: Story) -> None:
    status, shown = _terminal(story.ana, "info", "eve:hostile/data@1.0.0")
    assert status == 0, shown
    _assert_escaped(shown)


def test_status_shows_a_run_description_escaped(story: Story) -> None:
    status, shown = _terminal(story.ana, "status")
    assert status == 0, shown
    _assert_escaped(shown, "reads eve's data \\x1b]0;TITLE\\x07")
    assert "\x1b[1mLocal only, not committed\x1b[0m" in shown  # fdpctl's own colours


def test_log_shows_a_job_and_an_operation_escaped(story: Story) -> None:
    status, shown = _terminal(story.ana, "log", story.job_id)
    assert status == 0, shown
    _assert_escaped(shown, f"station,{SHOWN}")
    operations = story.ana.json("log")["operations"]
    [run] = [operation for operation in operations if operation["verb"] == "run"]
    status, shown = _terminal(story.ana, "log", str(run["id"]))
    assert status == 0, shown
    _assert_escaped(shown, f"station,{SHOWN}")


def test_an_error_quoting_hostile_text_is_escaped(story: Story) -> None:
    """A config from someone else's repository: fdpd's error quotes its bad version."""
    bad = "run_metadata:\n  script: python3 model.py\nread:\n  - data_product: x/y\n"
    bad += '    version: "\\e]0;PWNED\\a\\e[2J"\n'
    (story.project / "bad.yaml").write_text(bad)
    status, shown = _terminal(story.ana, "pull", "bad.yaml", cwd=story.project)
    assert status == 1, shown
    _assert_escaped(shown, "read[0].version: `\\x1b]0;PWNED\\x07\\x1b[2J` is not")
    status, shown = _terminal(story.ana, "info", f"eve:{HOSTILE}")  # names: escaped already
    assert status == 1, shown
    _assert_escaped(shown)


def test_json_keeps_the_text_exactly(story: Story) -> None:
    answer = json.loads(story.ana.ok("--json", "log", story.job_id))
    assert f"read hostile/data: station,{HOSTILE}" in answer["lines"]
