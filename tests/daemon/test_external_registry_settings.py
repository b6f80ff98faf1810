"""`registry: url:` in fdpd's config.yaml (a registry fdpd does not run, issue 25 item 3): read in
process with `load_settings`, as fdpd reads it at start-up; it needs `token_file:`, excludes the
keys of a registry fdpd runs, and a bad value names the file, the line and the key. The token is
checked where it is read (`ExternalRegistry`), never kept in the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.base.paths import Locations, resolve_locations
from fdpd.base.settings import ignored_registry_environment, load_settings
from fdpd.local_registry.external import ExternalRegistry


@pytest.fixture
def locations(tmp_path: Path) -> Locations:
    return resolve_locations({"FDP_HOME": str(tmp_path / "fdp")})


def _write(locations: Locations, text: str) -> Path:
    path = locations.config_file
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _refused(locations: Locations) -> str:
    with pytest.raises(FdpError) as caught:
        load_settings(locations, {})
    assert caught.value.code == "bad_settings"
    return f"{caught.value.message} {caught.value.hint}"


def test_url_with_token_file_names_the_registry_fdpd_uses(locations: Locations) -> None:
    _write(locations, "registry:\n  url: http://service1:8000\n  token_file: ana.token\n")
    settings = load_settings(locations, {"FDP_REGISTRY_PORT": "8123"}).registry
    assert settings.url == "http://service1:8000/api/"
    assert settings.token_file == locations.config_file.parent / "ana.token"
    assert settings.command == () and settings.database_url is None


RUNNING_KEYS = ["listen: 10.1.0.5", "port: 8001", "database: sqlite", "command: [x]",
                "names: [login1]", "idle_timeout: 60"]  # fmt: skip


@pytest.mark.parametrize("key", RUNNING_KEYS)
def test_url_excludes_the_keys_of_a_registry_fdpd_runs(locations: Locations, key: str) -> None:
    config = _write(
        locations, f"registry:\n  url: http://service1:8000/api/\n  token_file: t\n  {key}\n"
    )
    said = _refused(locations)
    name = key.split(":")[0]
    assert f"{config}:4: registry.{name} cannot go with registry.url ({config}:2)" in said
    assert f"edit {config}" in said


def test_url_needs_a_token_file(locations: Locations) -> None:
    config = _write(locations, "registry:\n  url: http://service1:8000/api/\n")
    said = _refused(locations)
    assert f"{config}:2: registry.url needs registry.token_file" in said
    assert "add-user" in said


def test_a_token_file_without_url_is_refused(locations: Locations) -> None:
    config = _write(locations, "registry:\n  token_file: t\n")
    assert f"{config}:2: registry.token_file is the token for a registry" in _refused(locations)


@pytest.mark.parametrize(
    "url",
    ["service1:8000", "ftp://service1/api/", "http://ana:secret@service1/api/",
     "http://service1/api/?x=1", "http://service1:99999/api/", "[]"],
)  # fmt: skip
def test_a_bad_url_is_refused_with_its_line(locations: Locations, url: str) -> None:
    config = _write(locations, f"registry:\n  token_file: t\n  url: {url}\n")
    assert f"{config}:3: registry.url must be the http(s) URL of a registry" in _refused(locations)


def test_the_token_file_must_exist_and_be_private(locations: Locations, tmp_path: Path) -> None:
    token = tmp_path / "ana.token"
    _write(locations, f"registry:\n  url: http://service1:8000/api/\n  token_file: {token}\n")
    registry = ExternalRegistry(locations, load_settings(locations, {}).registry)
    with pytest.raises(FdpError) as missing:
        registry.token  # noqa: B018
    assert missing.value.code == "token_missing" and str(token) in missing.value.message
    token.write_text("a" * 40 + "\n")
    token.chmod(0o644)
    with pytest.raises(FdpError) as readable:
        registry.token  # noqa: B018
    assert readable.value.code == "token_file_not_private"
    assert f"chmod 600 {token}" in (readable.value.hint or "")
    token.chmod(0o600)
    assert registry.token == "a" * 40
    assert registry.status()["state"] == "external"
    assert "a" * 40 not in repr(registry.status())


def test_the_registry_environment_is_said_to_be_ignored_with_url(locations: Locations) -> None:
    """FDP_REGISTRY_PORT and FDP_REGISTRY_IDLE_TIMEOUT set up a registry fdpd runs: with `url:`
    they change nothing, and fdpd says so at start (in its log), naming the variable and the
    config file; without `url:` they are used, and nothing is said."""
    path = _write(locations, "registry:\n  url: http://service1:8000\n  token_file: ana.token\n")
    environment = {"FDP_REGISTRY_PORT": "8123", "FDP_REGISTRY_IDLE_TIMEOUT": "5"}
    settings = load_settings(locations, environment)
    assert settings.registry.url == "http://service1:8000/api/"
    assert ignored_registry_environment(settings, locations, environment) == [
        f"{name} is ignored: registry.url in {path} names a registry fdpd does not run (unset "
        f"{name}, or remove registry.url to have fdpd run one)"
        for name in environment
    ]
    assert ignored_registry_environment(settings, locations, {}) == []
    _write(locations, "registry:\n  port: 8100\n")
    run_by_fdpd = load_settings(locations, environment)
    assert run_by_fdpd.registry.port == 8123
    assert ignored_registry_environment(run_by_fdpd, locations, environment) == []
