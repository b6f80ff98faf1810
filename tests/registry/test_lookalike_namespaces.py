"""Shared mode: a new namespace cannot pass for an existing one (issue 20, item 10).

`\u0430lice` (Cyrillic a), `alice` + U+200B, fullwidth `alice`, `ALICE` and `a1ice` are refused
beside `alice`, with a message naming the existing namespace and showing the lookalike with
`\\u` escapes. In process over ASGI; user names through `fdpd registry add-user` (in process too).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from fdpregistry.lookalikes import shown, skeletons
from tests.registry.command import add_user, fdpd
from tests.registry.conftest import unique
from tests.registry.shared_team import Team, shared_team


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    with shared_team(tmp_path_factory.mktemp("lookalikes")) as group:
        group.create("alice", "namespace", {"name": "alice"})
        yield group


LOOKALIKES = {
    "cyrillic a": "\u0430lice",
    "fullwidth": "\uff41\uff4c\uff49\uff43\uff45",
    "upper case": "ALICE",
    "digit one for l": "a1ice",
    "capital I for l": "aIice",
    "greek omicron": "b\u03bfb",  # beside `bob` (below)
}


@pytest.mark.parametrize("name", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_a_lookalike_of_an_existing_namespace_is_refused(team: Team, name: str) -> None:
    if name == "b\u03bfb":
        team.clients["alice"].post("/api/namespace/", json={"name": "bob"})
    answer = team.clients["eve"].post("/api/namespace/", json={"name": name})
    assert answer.status_code == 400, answer.text
    (message,) = answer.json()["name"]
    assert ascii(name) in message  # unmistakable: \u escapes beside the name
    existing = "'bob'" if name == "b\u03bfb" else "'alice'"
    assert f"looks like the existing namespace {existing}" in message
    listed = team.clients["eve"].get("/api/namespace/", params={"name": name}).json()
    assert listed["count"] == 0


def test_invisible_characters_are_refused_and_named(team: Team) -> None:
    for name in ("alice\u200b", "\u2060alice", "ali\u00adce", "alice\ufe0f", "al\u3164ice"):
        answer = team.clients["eve"].post("/api/namespace/", json={"name": name})
        assert answer.status_code == 400, (ascii(name), answer.text)
        (message,) = answer.json()["name"]
        assert "characters nobody can see (U+" in message and ascii(name) in message
        assert "looks like the existing namespace 'alice'" in message


def test_mixed_scripts_and_compatibility_forms_are_refused_even_when_new(team: Team) -> None:
    """No squatting on a name before its owner arrives: `\u0440\u0430ul` (Cyrillic p, a) is
    refused though no `paul` exists yet, and fullwidth `paul` is asked for as `paul`."""
    answer = team.clients["eve"].post("/api/namespace/", json={"name": "\u0440\u0430ul"})
    assert answer.status_code == 400, answer.text
    (message,) = answer.json()["name"]
    assert "mixes scripts" in message and "'\\u0440\\u0430ul'" in message
    fullwidth = team.clients["eve"].post("/api/namespace/", json={"name": "\uff50\uff41ul"})
    assert fullwidth.status_code == 400, fullwidth.text
    (message,) = fullwidth.json()["name"]
    assert "compatibility characters; use 'paul'" in message


def test_distinct_names_and_other_scripts_are_welcome(team: Team) -> None:
    digits = str(secrets.randbelow(10**8))
    for name in (unique("alice-"), unique("müller"), f"Ψυχή{digits}", f"水文{digits}"):
        assert team.clients["eve"].post("/api/namespace/", json={"name": name}).status_code == 201
    # the same name again is the usual 409, not a lookalike
    again = team.clients["eve"].post("/api/namespace/", json={"name": "alice"})
    assert again.status_code == 409, again.text


def test_skeletons_and_shown_names() -> None:
    assert skeletons("\u0430lice") & skeletons("alice")
    assert not skeletons("müller") & skeletons("muller")
    assert shown("alice") == "'alice'"
    assert shown("\u0430lice") == "'\u0430lice' ('\\u0430lice')"


def test_add_user_refuses_a_lookalike_of_an_existing_user(tmp_path: Path) -> None:
    """User names show beside runs ("run by alice"): `fdpd registry add-user` refuses one that
    passes for an existing user's, exit 2 with the reason, creating nothing."""
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    assert len(add_user(database, "alice")) == 40
    for name in ("\u0430lice", "ALICE", "a1ice"):
        refused = fdpd("registry", "add-user", name, "--database", database)
        assert refused.returncode == 2, (ascii(name), refused.stderr)
        assert "looks like the existing user 'alice'" in refused.stderr
        assert ascii(name) in refused.stderr and "Traceback" not in refused.stderr
        assert refused.stdout == ""
    assert len(add_user(database, "alice")) == 40  # another key for alice herself
