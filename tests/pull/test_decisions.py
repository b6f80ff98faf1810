"""The pure decisions of a pull: which version a register item gets, which remote is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.base.paths import resolve_locations
from fdpd.features.pull.remote_choice import choose_remote
from fdpd.features.pull.versions import choose_version
from fdpd.remote.user_remotes import Remote, add_remote

A, B = "a" * 40, "b" * 40
LOCAL = "http://127.0.0.1:8000/api/"


@pytest.mark.parametrize(
    ("spec", "registered", "compared_sha1", "expected"),
    [
        ("${{PATCH}}", [], None, ("0.0.1", True)),
        ("${{MINOR}}", ["0.1.0", "0.2.0"], B, ("0.3.0", True)),
        ("${{PATCH}}", ["0.1.0", "1.0.0"], A, ("1.0.0", False)),  # same file: reuse latest
        ("${{LATEST}}", ["0.1.0", "1.0.0"], A, ("1.0.0", False)),
        ("2.0.0", ["1.0.0"], None, ("2.0.0", True)),
        ("1.0.0", ["1.0.0"], A, ("1.0.0", False)),  # already registered, same file: no-op
    ],
)
def test_version_choice(
    spec: str, registered: list[str], compared_sha1: str | None, expected: tuple[str, bool]
) -> None:
    choice = choose_version(spec, "ns:name", registered, compared_sha1, A)
    assert (choice.version, choice.new) == expected


@pytest.mark.parametrize(
    ("spec", "registered", "message"),
    [
        ("1.0.0", ["1.0.0"], "registered already with a different file"),
        ("${{LATEST}}", ["1.0.0"], "has 1.0.0 with other content"),
        ("${{LATEST}}", [], "has no version yet"),
        ("0.0.0", [], "0.0.0 is never valid"),
    ],
)
def test_version_refusals(spec: str, registered: list[str], message: str) -> None:
    with pytest.raises(FdpError) as caught:
        choose_version(spec, "ns:name", registered, B if registered else None, A)
    assert message in caught.value.message


def test_remote_choice(tmp_path: Path) -> None:
    locations = resolve_locations({"FDP_HOME": str(tmp_path)})
    assert choose_remote(locations, None, None, LOCAL) is None  # nothing configured: fine
    token = tmp_path / "token"
    token.write_text("c" * 40)
    token.chmod(0o600)
    add_remote(locations, Remote("origin", "https://one.example.org/api/", token))
    add_remote(locations, Remote("two", "https://two.example.org", token))

    assert choose_remote(locations, None, None, LOCAL).name == "origin"  # type: ignore[union-attr]
    assert choose_remote(locations, None, "two", LOCAL).name == "two"  # type: ignore[union-attr]
    by_url = choose_remote(locations, "https://two.example.org/api", None, LOCAL)
    assert by_url is not None and by_url.name == "two"
    assert choose_remote(locations, LOCAL, None, LOCAL) is None  # the local registry itself
    # a URL that is none of the remotes runs on the default one, as FAIR-CLI 0.11.0 ran it
    said: list[str] = []
    other = choose_remote(
        locations, "https://data.scrc.uk/api/", None, LOCAL, said.append, "c.yaml:4:3: key:"
    )
    assert other is not None and other.name == "origin"
    assert said == [
        "c.yaml:4:3: key: remote_data_registry_url https://data.scrc.uk/api/ is not one of your "
        "remotes; pull and push use origin; `fdpctl remote add scrc URL` to use it"
    ]
    with pytest.raises(FdpError, match="--remote"):
        choose_remote(locations, "https://two.example.org/api/", "origin", LOCAL)
    with pytest.raises(FdpError, match="no remote called 'nope'"):
        choose_remote(locations, None, "nope", LOCAL)
