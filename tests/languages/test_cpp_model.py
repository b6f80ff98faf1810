"""A C++ model built against the real FDP-Cpp-API, end to end (tests/languages/end_to_end.py).
The C++ API writes no coderuns.txt: fdp finds the code run through the job's config. Skips when
the API is not installed (../shared/peers/build-cpp.sh PREFIX; FDP_TEST_CPP_PREFIX names PREFIX)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from fdpd.remote.links import link_path
from tests.languages.end_to_end import API_PORT, port_taken, run_commit_push_pull
from tests.push.processes import ACCEPT, Remote, fdp_site
from tests.run.conftest import make_project

MODEL = """\
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include "fdp/fdp.hxx"

int main() {
    const std::string config = std::string(std::getenv("FDP_CONFIG_DIR")) + "/config.yaml";
    auto pipeline = FairDataPipeline::DataPipeline::construct(
        config, std::getenv("FDP_SCRIPT"), std::getenv("FDP_LOCAL_TOKEN"));
    std::string product = "cpp/squares";
    std::ofstream out(pipeline->link_write(product));
    out << "n,square\\n";
    for (int n = 1; n <= 3; ++n) out << n << "," << n * n << "\\n";
    out.close();
    pipeline->finalise();
    std::cout << "C++ model finalised" << std::endl;
    return 0;
}
"""
CMAKE = """\
cmake_minimum_required(VERSION 3.13)
project(squares CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(fdpapi REQUIRED)
add_executable(squares model.cpp)
target_link_libraries(squares PRIVATE fdpapi::fdpapi)
"""
CONFIG = """\
run_metadata:
  description: a C++ model
  script: LD_LIBRARY_PATH={prefix}/lib {binary}
write:
  - data_product: cpp/squares
    description: squares
    file_type: csv
"""


def cpp_prefix() -> Path | None:
    prefix = Path(os.environ.get("FDP_TEST_CPP_PREFIX", "/opt/fdpapi"))
    return prefix if (prefix / "lib" / "cmake").is_dir() else None


def build(source: Path, prefix: Path) -> Path:
    build_dir = source.parent / "build"
    for command in (
        ["cmake", "-S", str(source), "-B", str(build_dir), f"-DCMAKE_PREFIX_PATH={prefix}"],
        ["cmake", "--build", str(build_dir), "-j2"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    return build_dir / "squares"


@pytest.mark.port8000
def test_cpp_model_run_commit_push_and_pull_by_another_user(remote: Remote) -> None:
    prefix = cpp_prefix()
    if prefix is None or shutil.which("cmake") is None:
        pytest.skip("FDP-Cpp-API is not installed (../shared/peers/build-cpp.sh PREFIX)")
    taken = port_taken()
    if taken:
        pytest.skip(taken)
    root = remote.workdir.parent
    source = root / "cpp-source"
    source.mkdir()
    (source / "model.cpp").write_text(MODEL)
    (source / "CMakeLists.txt").write_text(CMAKE)
    binary = build(source, prefix)
    config = CONFIG.format(prefix=prefix, binary=binary)
    project = make_project(
        root / "cppmodel",
        {"config.yaml": config, "model.cpp": MODEL},
        remote="https://github.com/example/cppmodel.git",
    )

    job = run_commit_push_pull(remote, project, "cpp/squares", "C++ model finalised")

    assert not (Path(str(job["folder"])) / "coderuns.txt").exists()


PY_CONFIG = """\
run_metadata:
  description: a Python model
  script: python3 model.py
write:
  - data_product: py/table
    description: a table
    file_type: csv
"""


@pytest.mark.port8000
def test_cpp_provenance_damage_is_named_in_the_summary_and_log() -> None:
    """The C++ API's wrong file types (run 1) and, run again with the unchanged script, its
    submission script object without a storage location (run 2): fdp names both records."""
    prefix = cpp_prefix()
    if prefix is None or shutil.which("cmake") is None:
        pytest.skip("FDP-Cpp-API is not installed (../shared/peers/build-cpp.sh PREFIX)")
    taken = port_taken()
    if taken:
        pytest.skip(taken)
    with fdp_site("ana", registry_port=API_PORT) as ana:
        source = ana.root / "cpp-source"
        source.mkdir()
        (source / "model.cpp").write_text(MODEL)
        (source / "CMakeLists.txt").write_text(CMAKE)
        binary = build(source, prefix)
        project = make_project(
            ana.root / "cppmodel",
            {"config.yaml": CONFIG.format(prefix=prefix, binary=binary), "py.yaml": PY_CONFIG},
            remote="https://github.com/example/cppmodel.git",
        )
        # a Python model first: the registry then lists file types (none yet: no damage seen)
        python = ana.fdpctl("run", "py.yaml", cwd=project, env={"MODEL_WRITES": "py/table"})
        assert python.returncode == 0, python.stderr

        first = ana.fdpctl("run", "config.yaml", cwd=project)
        second = ana.fdpctl("run", "config.yaml", cwd=project)

        assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
        [newest, older] = ana.json("log")["jobs"][:2]
        [first_run] = ana.local("code_run", uuid=ana.job_runs(older["id"])[0])
        config = httpx.get(first_run["model_config"], headers=ACCEPT).json()
        file_type = httpx.get(config["file_type"], headers=ACCEPT).json()
        assert file_type["extension"] != "yaml", file_type  # the damage is there to be seen
        assert f"object {link_path(config['url'])} " in first.stderr, first.stderr
        assert f"file type `{file_type['name']}`" in first.stderr, first.stderr

        [run_uuid] = ana.job_runs(newest["id"])
        [run] = ana.local("code_run", uuid=run_uuid)
        script = httpx.get(run["submission_script"], headers=ACCEPT).json()
        assert script["storage_location"] is None, script
        named = f"submission script (object {link_path(script['url'])}) has no storage location"
        assert named in second.stderr, second.stderr
        assert named in ana.fdpctl("log", newest["id"]).stderr
