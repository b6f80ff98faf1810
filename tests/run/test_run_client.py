"""`fdpctl run` starts as a plain command does (issue 27: `fdpctl run` at most 50 ms over the
bare script): `fdpctl run CONFIG` with on/off options is parsed without argparse, and its
request body is encoded without the `json` package, each giving what they would give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fdpctl.cli import build_parser, plain_command
from fdpctl.json_body import encode_body
from tests.run.conftest import Fdp, make_project
from tests.test_fdpctl_imports import NOT_WITHOUT_OPTIONS


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "config.yaml"],
        ["--json", "run", "config.yaml"],
        ["run", "config.yaml", "--json"],
        ["run", "--json", "config.yaml", "--dirty"],
        ["run", "--dry-run", "sub/config.yaml"],
        ["run", "config.yaml", "--detach", "--dirty", "--dry-run", "--dirty"],
        ["run", "run"],
        ["run", ""],
    ],
)
def test_a_plain_run_is_what_argparse_makes_of_it(argv: list[str]) -> None:
    plain = plain_command(argv)
    assert plain is not None, argv
    assert vars(plain) == vars(build_parser(argv).parse_args(argv)), argv


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["run", "a.yaml", "b.yaml"],
        ["run", "-h"],
        ["run", "config.yaml", "--help"],
        ["run", "config.yaml", "--dir"],  # argparse's abbreviation of --dirty
        ["run", "config.yaml", "--scheduler", "slurm"],
        ["run", "config.yaml", "--sbatch=--mem=4G"],
        ["run", "config.yaml", "--array", "1-3"],
        ["run", "-"],
        ["run", "--", "config.yaml"],
        ["run", "config.yaml", "--dirty=1"],
        ["--version", "run", "config.yaml"],
    ],
)
def test_any_other_run_command_line_goes_to_argparse(argv: list[str]) -> None:
    assert plain_command(argv) is None


@pytest.mark.parametrize(
    "body",
    [
        {"config_path": "/p/c.yaml", "dirty": False, "environment": {"A": 'é\n"\\\x00'}},
        {"n": [1, -2.5, 1e300, None, True], "nested": {"": []}, "nan": float("nan")},
        {3: "int key", 2.5: "float key", None: "none key", False: "bool key"},
        ["a", {"b": "c"}],
        "text",
        0,
    ],
)
def test_a_request_body_is_what_json_dumps_makes_of_it(body: Any) -> None:
    assert encode_body(body) == json.dumps(body).encode()


def test_a_body_json_cannot_encode_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        encode_body({"a": {1}})


CONSOLE_SCRIPT = "import sys; from fdpctl.__main__ import main; sys.exit(main())"


def test_fdpctl_run_imports_no_argparse_re_or_json(fdp: Fdp, tmp_path: Path) -> None:
    """The real fdpctl (as its console script runs) and fdpd, a run of `script: "true"` to its
    summary: what `fdpctl daemon status` leaves out, `fdpctl run` does too."""
    config = 'run_metadata:\n  description: does nothing\n  script: "true"\n'
    project = make_project(tmp_path / "project", {"true.yaml": config})
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", CONSOLE_SCRIPT, "run", "true.yaml"],
        cwd=project,
        env={**fdp.instance.env, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert done.returncode == 0, "\n".join(
        line for line in done.stderr.splitlines() if line not in lines
    )
    assert "succeeded" in done.stderr
    modules = {line.rsplit("|", 1)[1].strip() for line in lines[1:]}
    assert "fdpctl.transport" in modules, sorted(modules)
    heavy = sorted({name.split(".")[0] for name in modules} & NOT_WITHOUT_OPTIONS)
    assert not heavy, f"fdpctl run imports {heavy}"
