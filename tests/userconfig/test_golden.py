"""Golden working configs, byte for byte, including the worked examples of docs/config.md.

The project is a real git repository in a temporary folder with a reproducible HEAD SHA-1; the
one thing normalised before comparing is that folder's path, which the golden files spell
/home/ana/src/river-model like the spec. Set FDP_UPDATE_GOLDEN=1 to rewrite the files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from fdpd.userconfig import StaticRegistryView, generate_working_config, parse_user_config

from .conftest import context, git, make_repo

GOLDEN = Path(__file__).parent / "golden"
SPEC_PROJECT = "/home/ana/src/river-model"
REGISTER_URL = "https://data.envagency.example.org/downloads/stations.csv"


@dataclass
class Case:
    registry: dict[str, dict[str, list[str]]]
    context: dict[str, Any] = field(default_factory=dict)
    in_git: bool = True
    tag: str | None = None
    warnings: int = 0


CASES = {
    "11_1_defaults": Case({"hydromet": {"flow/gauge-readings": ["1.0.0", "1.1.0"]}}),
    "11_2_wildcards": Case(
        {
            "hydromet": {
                "rainfall/region/north": ["1.0.0", "1.2.0"],
                "rainfall/region/south": ["0.3.0"],
                "rainfall/region/south/hourly": ["0.1.0"],
            },
            "geobase": {"elevation": ["2.0.0", "2.1.0"]},
            "ana": {
                "summary/region/north": ["0.4.0"],
                "summary/region/south": ["0.1.0", "0.2.0"],
            },
        },
        # the spec's second example names its job folder differently
        {"job_dir": Path("/home/ana/.fdp/data/jobs/2025-03-05_16_40_02_000310")},
        warnings=1,  # `*` leaves rainfall/region/south/hourly out (the fnmatch reading took it)
    ),
    "11_3_register": Case(
        {"envagency": {"stations/metadata": ["0.20250304.0"]}, "ana": {}},
        {
            "pulled_register_versions": {
                ("envagency", "stations/metadata", REGISTER_URL): "0.20250304.0"
            }
        },
    ),
    "every_template": Case(
        {"hydromet": {"flow/gauge-readings": ["0.9.0", "0.10.0", "0.10.0-rc.1"]}},
        tag="v1.2",
        warnings=1,  # public: false on one write differs from run_metadata.public
    ),
    "outside_git": Case({}, in_git=False, warnings=3),  # no Python: no pyDataPipeline warning
}


def _project(tmp_path: Path, case: Case) -> Path:
    files = {"scripts/summarise.sh": "echo summarise\n", "models/daily_mean.py": "print(1)\n"}
    root = tmp_path / "river-model"
    if not case.in_git:
        root.mkdir()
        return root
    make_repo(root, files)
    if case.tag:
        git(root, "tag", case.tag)
    return root


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_working_config(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    project = _project(tmp_path, case)
    text = (GOLDEN / f"{name}.config.yaml").read_text()
    ctx = context(project, **case.context)
    if not case.in_git:
        ctx = context(project, git=None, **case.context)
    result = generate_working_config(
        parse_user_config(text, "config.yaml"), ctx, StaticRegistryView(case.registry)
    )
    produced = result.text.encode("utf-8").replace(str(project).encode(), SPEC_PROJECT.encode())
    golden = GOLDEN / f"{name}.working.yaml"
    if os.environ.get("FDP_UPDATE_GOLDEN"):
        golden.write_bytes(produced)
    assert produced == golden.read_bytes()
    assert yaml.safe_load(result.text) == result.data  # what the language APIs load
    assert b"&" not in produced and b"*" not in produced and b"!!" not in produced
    assert len(result.warnings) == case.warnings, [w.render() for w in result.warnings]
