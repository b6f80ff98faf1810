"""A local registry that cannot start says why, in fdpctl's own message: a registry command that
does not exist, or a registry process that exits while starting (its database unreachable)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port
from tests.fdp_process import FdpInstance


@contextmanager
def fdp_with_config(home: Path, text: str) -> Iterator[FdpInstance]:
    with FdpInstance(home, extra_env={"FDP_REGISTRY_PORT": str(free_port())}) as fdp:
        fdp.locations.config_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fdp.locations.config_file.write_text(text)
        fdp.start_daemon()
        yield fdp


def refused_registry_start(fdp: FdpInstance) -> str:
    result = fdp.run_fdpctl("registry", "start", timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result.stderr


def test_a_registry_command_that_does_not_exist_is_named(fdp_home: Path) -> None:
    missing = fdp_home / "no-such-registry"
    with fdp_with_config(fdp_home, f"registry:\n  command: [{json.dumps(str(missing))}]\n") as fdp:
        stderr = refused_registry_start(fdp)

        assert f"cannot start the local registry: '{missing}': No such file" in stderr
        assert f"registry.command in {fdp.locations.config_file}" in stderr


def test_a_registry_that_exits_while_starting_says_why(fdp_home: Path) -> None:
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/db"
    with fdp_with_config(fdp_home, f"registry:\n  database: {url}\n") as fdp:
        stderr = refused_registry_start(fdp)

        assert "the local registry exited with status" in stderr
        assert "cannot open the registry database" in stderr and "Connection refused" in stderr
        assert "secret" not in stderr
