"""In shared mode `users/?username=admin` asked with another user's key answers that user's own
record (docs/registry-api.md): the language APIs take the author of what they record from
`admin`, so each user's runs are credited to the author their own user links. In process."""

from __future__ import annotations

from pathlib import Path

from tests.registry.shared_team import Team, shared_team


def _listed(team: Team, who: str, username: str) -> list[str]:
    answer = team.clients[who].get("/api/users/", params={"username": username})
    assert answer.status_code == 200, answer.text
    return [user["username"] for user in answer.json()["results"]]


def test_admin_is_the_caller_for_other_users_of_a_shared_registry(tmp_path: Path) -> None:
    with shared_team(tmp_path) as team:
        assert _listed(team, "alice", "admin") == ["alice"]
        assert _listed(team, "eve", "admin") == ["eve"]
        assert _listed(team, "admin", "admin") == ["admin"]
        assert _listed(team, "alice", "eve") == ["eve"]  # other names are as asked


def test_pydatapipelines_author_lookup_finds_the_callers_author(tmp_path: Path) -> None:
    with shared_team(tmp_path) as team:
        author = team.create("alice", "author", {"name": "Alice"})
        alice = team.clients["alice"]
        (me,) = alice.get("/api/users/", params={"username": "admin"}).json()["results"]
        team.create("alice", "user_author", {"user": me["url"], "author": author["url"]})
        user_id = me["url"].rstrip("/").rsplit("/", 1)[1]
        (link,) = alice.get("/api/user_author/", params={"user": user_id}).json()["results"]
        assert link["author"] == author["url"]
