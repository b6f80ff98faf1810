"""A C++ model built against the real FDP-Cpp-API reruns (real fdpctl, fdpd and registry; the C++
API needs the local registry on port 8000). Skips when the API is not installed
(../shared/peers/build-cpp.sh PREFIX; FDP_TEST_CPP_PREFIX names PREFIX)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.languages.end_to_end import port_taken
from tests.languages.test_cpp_model import CMAKE, CONFIG, MODEL, build, cpp_prefix
from tests.push.processes import fdp_site
from tests.run.conftest import make_project


@pytest.mark.port8000
def test_a_cpp_model_reruns(tmp_path: Path) -> None:
    prefix = cpp_prefix()
    if prefix is None or shutil.which("cmake") is None:
        pytest.skip("FDP-Cpp-API is not installed (../shared/peers/build-cpp.sh PREFIX)")
    taken = port_taken()
    if taken:
        pytest.skip(taken)
    source = tmp_path / "cpp-source"
    source.mkdir()
    (source / "model.cpp").write_text(MODEL)
    (source / "CMakeLists.txt").write_text(CMAKE)
    binary = build(source, prefix)
    with fdp_site("ana", registry_port=8000) as ana:
        config = CONFIG.format(prefix=prefix, binary=binary)
        project = make_project(ana.root / "cpp", {"config.yaml": config, "model.cpp": MODEL})
        job = ana.run_model(project, "config.yaml")
        assert job["exit_status"] == 0, job["output"]
        before = ana.local("code_run")

        done = ana.fdpctl("rerun", job["id"])

        assert done.returncode == 0, done.stdout + done.stderr
        assert "C++ model finalised" in done.stdout
        assert "reproduced: 1 of 1 outputs identical" in done.stderr
        assert ana.local("code_run") == before
