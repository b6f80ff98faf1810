"""A C++ model built against the real FDP-Cpp-API, end to end (tests/languages/end_to_end.py).
The C++ API writes no coderuns.txt: fdp finds the code run through the job's config. Skips when
the API is not installed (../shared/peers/build-cpp.sh PREFIX; FDP_TEST_CPP_PREFIX names PREFIX)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.languages.end_to_end import port_taken, run_commit_push_pull
from tests.push.conftest import Remote
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
