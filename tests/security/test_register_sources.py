"""`register:` reads only files inside their root, never the kernel's trees or fdp's own folders
(issue 20 item 8), through `fdpctl pull` (fdpctl's code and the daemon app in process,
tests/fdpctl_in_process.py): a config naming `../../../../etc/passwd`,
`/proc/self/environ` or fdp's token gets a located config error and nothing is registered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fdpctl_in_process import fdpctl_in
from tests.inprocess import InProcessDaemon
from tests.security.conftest import state_of

REGISTER = """\
run_metadata:
  description: register a local file
  script: python3 model.py
register:
  - external_object: {name}
    namespace_name: ana
    root: {root}
    path: {path}
    title: a local file
    description: a local file
    unique_name: {name} file
    alternate_identifier_type: local
    file_type: txt
    version: "1.0.0"
    primary: true
"""


def _pull(fdp: InProcessDaemon, folder: Path, text: str) -> tuple[int, str, str]:
    config = folder / "config.yaml"
    config.write_text(text)
    result = fdpctl_in(fdp, "pull", str(config), cwd=folder)
    return result.returncode, result.stdout, result.stderr


def _register(name: str, root: str, path: str) -> str:
    return REGISTER.format(name=name, root=root, path=path)


def _climbing(tmp: Path, fdp: InProcessDaemon) -> tuple[str, str, str]:
    (tmp / "data").mkdir()
    return f"file://{tmp}/data/", "../" * 12 + "etc/passwd", "register[0].path"


def _proc(tmp: Path, fdp: InProcessDaemon) -> tuple[str, str, str]:
    return "file:///proc/self/", "environ", "register[0].root"


def _symlink_out(tmp: Path, fdp: InProcessDaemon) -> tuple[str, str, str]:
    (tmp / "data").mkdir()
    (tmp / "data" / "innocent.txt").symlink_to("/etc/passwd")
    return f"file://{tmp}/data/", "innocent.txt", "register[0].path"


def _fdp_token(tmp: Path, fdp: InProcessDaemon) -> tuple[str, str, str]:
    token = fdp.locations.registry_token_path
    assert token.is_file()
    return f"{fdp.home}/", str(token.relative_to(fdp.home)), "register[0].path"


def _root_links_to_proc(tmp: Path, fdp: InProcessDaemon) -> tuple[str, str, str]:
    (tmp / "mine").symlink_to("/proc/self")
    return f"file://{tmp}/mine/", "environ", "register[0].root"


@pytest.mark.parametrize(
    "case",
    [_climbing, _proc, _symlink_out, _fdp_token, _root_links_to_proc],
    ids=lambda c: c.__name__,
)
def test_a_source_outside_its_root_or_in_a_forbidden_folder_is_refused(
    secured_daemon: InProcessDaemon, tmp_path: Path, case: object
) -> None:
    assert callable(case)
    root, path, key = case(tmp_path, secured_daemon)
    before = state_of(secured_daemon, with_attempt_log=False)

    status, out, err = _pull(secured_daemon, tmp_path, _register("leak", root, path))

    assert status != 0, out + err
    assert "Traceback" not in err and "internal error" not in err
    assert f"{tmp_path / 'config.yaml'}:5:" in err or "config.yaml:5:" in err, err
    assert key in err, err
    assert "root:" not in out and "PATH=" not in out + err  # nothing of the file is shown
    assert state_of(secured_daemon, with_attempt_log=False) == before  # nothing registered


def test_a_use_cache_file_linking_to_proc_is_refused(
    secured_daemon: InProcessDaemon, tmp_path: Path
) -> None:
    (tmp_path / "cached.txt").symlink_to("/proc/self/environ")
    text = """\
run_metadata:
  description: a cached read
  script: python3 model.py
read:
  - data_product: cached/leak
    version: "1.0.0"
    use:
      cache: cached.txt
"""
    before = state_of(secured_daemon, with_attempt_log=False)

    status, out, err = _pull(secured_daemon, tmp_path, text)

    assert status != 0, out + err
    assert "read[0].use.cache" in err and "/proc" in err, err
    assert state_of(secured_daemon, with_attempt_log=False) == before


def test_a_file_inside_its_root_through_a_link_inside_it_is_registered(
    secured_daemon: InProcessDaemon, tmp_path: Path
) -> None:
    """The control: the rule refuses only what leaves the root."""
    data = tmp_path / "data"
    (data / "real").mkdir(parents=True)
    (data / "real" / "values.txt").write_text("1,2,3\n")
    (data / "values.txt").symlink_to(data / "real" / "values.txt")

    status, out, err = _pull(
        secured_daemon, tmp_path, _register("kept", f"file://{data}/", "values.txt")
    )

    assert status == 0, out + err
    assert "registered" in out
