"""fdpd's `config.yaml` is checked at start-up: an unknown key at any level, a key given twice and
a bad value each stop fdpd, and the fdpctl command that started it shows fdpd's own reason with
the file, line and key. What is refused, and why, is checked in process (`load_settings`, what
fdpd reads at start-up); that the reason reaches the user is checked with the real fdpctl and
fdpd."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.base.paths import Locations, resolve_locations
from fdpd.base.settings import load_settings
from tests.fdp_process import FdpInstance

# The example of docs/configuration.md, which must stay a valid config.
README_EXAMPLE = """\
registry:
  port: 8000
  idle_timeout: 600
  database: sqlite
  command: []
schedule:
  interval: 6h
  auto_update: false
  remotes:
    origin: {interval: 1h, auto_update: true}
"""


def write_config(locations: Locations, text: str) -> Path:
    """fdpd's config file of `locations` (an FdpInstance's: `fdp.locations`; a function that
    names FdpInstance is taken for one that starts processes, tests/conftest.py)."""
    path = locations.config_file
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(text)
    return path


def refused_start(fdp: FdpInstance, env: dict[str, str] | None = None) -> str:
    """fdpctl starting fdpd on demand (`status`): exit 3, and what it said."""
    result = fdp.run_fdpctl("status", env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "exited with status" not in result.stderr
    return result.stderr


@pytest.fixture
def locations(tmp_path: Path) -> Locations:
    return resolve_locations({"FDP_HOME": str(tmp_path / "fdp")})


def refused(locations: Locations) -> str:
    """What fdpd says when it reads its settings at start-up and refuses them."""
    with pytest.raises(FdpError) as caught:
        load_settings(locations, {})
    assert caught.value.code == "bad_settings"
    return f"{caught.value.message} {caught.value.hint}"


@pytest.mark.parametrize(
    ("text", "line", "said", "meant"),
    [
        ("registy:\n  port: 8001\n", 1, "unknown key `registy` at the top level", "registry"),
        (
            "schedule:\n  interval: 6h\n  remotes:\n    origin:\n      intervl: 1h\n",
            5,
            "unknown key `intervl` in `schedule.remotes.origin`",
            "interval",
        ),
        ("registry:\n  prot: 8001\n", 2, "unknown key `prot` in `registry`", "port"),
    ],
)
def test_an_unknown_key_is_named_with_its_line_and_the_key_meant(
    locations: Locations, text: str, line: int, said: str, meant: str
) -> None:
    config = write_config(locations, text)

    stderr = refused(locations)

    assert stderr.startswith(f"{config}:{line}: {said}")
    assert f"did you mean `{meant}`?" in stderr


def test_a_key_given_twice_is_named(locations: Locations) -> None:
    config = write_config(locations, "registry:\n  port: 8001\n  port: 8002\n")

    stderr = refused(locations)

    assert f"{config}:3: `registry.port` is given twice (first on line 2)" in stderr


@pytest.mark.parametrize("journal_stream", [None, "8:12345"])
def test_a_bad_value_shows_fdpds_reason_even_from_a_journald_session(
    fdp: FdpInstance, journal_stream: str | None
) -> None:
    """A desktop session's shells inherit JOURNAL_STREAM from systemd; the fdpd fdpctl starts
    from one still writes to its output file, and fdpctl still finds the reason there (with
    an unknown key too: the reason is fdpd's, whatever it is)."""
    config = write_config(fdp.locations, "registry:\n  idle_timeout: 600\n  port: abc\n")
    env = {"JOURNAL_STREAM": journal_stream} if journal_stream else None

    stderr = refused_start(fdp, env)

    assert f"fdpd could not start: {config}:3: registry.port must be a whole number" in stderr
    assert "fix what fdpd says" in stderr

    config = write_config(fdp.locations, "registy:\n  port: 8001\n")
    stderr = refused_start(fdp, env)
    assert f"fdpd could not start: {config}:1: unknown key `registy` at the top level" in stderr
    assert "did you mean `registry`?" in stderr


def test_the_readme_example_is_a_valid_config(fdp: FdpInstance) -> None:
    write_config(fdp.locations, README_EXAMPLE)

    started = fdp.run_fdpctl("daemon", "start")

    assert started.returncode == 0, started.stderr
    assert fdp.run_fdpctl("daemon", "stop").returncode == 0


def test_a_database_that_is_no_url_fdp_can_use_is_refused(locations: Locations) -> None:
    config = write_config(locations, "registry:\n  database: mysql://fdp@db/fdp\n")

    stderr = refused(locations)

    assert (
        f"{config}:2: registry.database must be sqlite, a sqlite:/// URL or a PostgreSQL" in stderr
    )


def test_listen_and_names_give_the_registry_its_address_and_host_names(
    locations: Locations,
) -> None:
    write_config(locations, "registry:\n  listen: 10.1.0.5\n  names: [login1, Login1.Cluster]\n")
    registry = load_settings(locations, environ={}).registry
    assert registry.url == "http://10.1.0.5:8000/api/"
    assert registry.allowed_hosts == ("10.1.0.5", "login1", "login1.cluster")
    assert load_settings(resolve_locations({"FDP_HOME": "/nonexistent"}), {}).registry.host == (
        "127.0.0.1"
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("registry:\n  listen: http://10.1.0.5:8000/\n", "registry.listen"),
        ("registry:\n  listen: [10.1.0.5]\n", "registry.listen"),
        ("registry:\n  names: login1\n", "registry.names"),
        ("registry:\n  names: ['a b']\n", "registry.names"),
    ],
)
def test_a_listen_address_or_name_that_is_no_host_is_refused_with_its_line(
    locations: Locations, text: str, key: str
) -> None:
    write_config(locations, text)
    with pytest.raises(FdpError) as refused:
        load_settings(locations, environ={})
    assert f"config.yaml:2: {key} must be " in refused.value.message
