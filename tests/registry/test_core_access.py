"""Authentication, content negotiation, OPTIONS metadata, users/groups/username and fdp's own
routes (docs/registry-api.md)."""

from __future__ import annotations

import os
import secrets

import fdpd
from fdpd.base.identity import proof_matches
from tests.registry.conftest import RegistryClient, id_of, path_of, unique


def test_token_rules(registry: RegistryClient) -> None:
    base = registry.base
    anonymous_write = registry.plain.post(f"{base}/api/namespace/", json={"name": unique()})
    assert anonymous_write.status_code == 403
    assert anonymous_write.json() == {"detail": "Authentication credentials were not provided."}
    bad = registry.plain.get(
        f"{base}/api/namespace/", headers={"Authorization": "token " + "0" * 40}
    )
    assert (bad.status_code, bad.json()) == (403, {"detail": "Invalid token."})
    empty = registry.plain.get(f"{base}/api/namespace/", headers={"Authorization": "Token"})
    assert empty.json() == {"detail": "Invalid token header. No credentials provided."}
    spaces = registry.plain.get(f"{base}/api/namespace/", headers={"Authorization": "token a b"})
    assert spaces.json() == {
        "detail": "Invalid token header. Token string should not contain spaces."
    }
    bearer = registry.plain.post(
        f"{base}/api/namespace/", json={"name": unique()},
        headers={"Authorization": f"Bearer {registry.admin_token}"},
    )  # fmt: skip
    assert bearer.status_code == 403  # Bearer is anonymous
    upper = registry.plain.post(
        f"{base}/api/namespace/", json={"name": unique()},
        headers={"Authorization": f"TOKEN {registry.admin_token}"},
    )  # fmt: skip
    assert upper.status_code == 201
    assert upper.headers["location"] == upper.json()["url"]
    for path in ("/api/users/", "/api/groups/", "/api/username/"):
        assert registry.plain.get(base + path).status_code == 403


def test_accept_negotiation(registry: RegistryClient) -> None:
    base = registry.base
    for accept in ("application/json", "*/*", "application/json; version=1.0.0",
                   "text/html,application/xhtml+xml,*/*;q=0.8"):  # fmt: skip
        assert registry.plain.get(f"{base}/api/", headers={"Accept": accept}).status_code == 200
    wrong = registry.plain.get(
        f"{base}/api/namespace/", headers={"Accept": "application/json; version=2"}
    )
    assert (wrong.status_code, wrong.json()) == (
        406,
        {"detail": 'Invalid version in "Accept" header.'},
    )
    html = registry.plain.get(f"{base}/api/namespace/", headers={"Accept": "text/html"})
    assert html.json() == {"detail": "Could not satisfy the request Accept header."}


def test_options_metadata(registry: RegistryClient) -> None:
    anonymous = registry.anonymous.options("/api/code_run/").json()
    assert anonymous["name"] == "Code Run List" and "actions" not in anonymous
    assert anonymous["filter_fields"] == [
        "updated_by", "last_updated", "code_repo", "model_config", "submission_script",
        "run_date", "description", "uuid", "inputs", "outputs",
    ]  # fmt: skip
    admin = registry.admin.options("/api/code_run/").json()
    post = admin["actions"]["POST"]
    assert list(post)[:3] == ["url", "ro_crate", "uuid"]
    assert post["url"] == {"type": "field", "required": False, "read_only": True, "label": "Url"}
    assert post["run_date"] == {
        "type": "datetime",
        "required": True,
        "read_only": False,
        "label": "Run date",
    }
    assert post["description"]["max_length"] == 1024
    assert post["updated_by"]["label"] == "Last updated by"
    file_type = registry.anonymous.options("/api/file_type/").json()
    assert file_type["name"] == "File Type List"
    assert file_type["filter_fields"] == ["object", "updated_by", "last_updated", "name",
                                          "extension"]  # fmt: skip
    record = registry.admin.options("/api/issue/1/").json()
    assert record["name"] == "Issue Instance" and "PUT" in record["actions"]
    assert record["actions"]["PUT"]["component_issues"]["required"] is True
    website = registry.admin.options("/api/namespace/").json()["actions"]["POST"]["website"]
    assert website == {"type": "url", "required": False, "read_only": False, "label": "Website",
                       "max_length": 200}  # fmt: skip
    users = registry.admin.options("/api/users/").json()
    assert users["name"] == "User List" and "filter_fields" not in users


def test_users_groups_username(registry: RegistryClient) -> None:
    users = registry.admin.get("/api/users/?username=admin").json()
    admin = users["results"][0]
    assert list(admin) == ["url", "username", "full_name", "email", "orgs"]
    assert admin["email"] == "admin@users.noreply.github.com"
    detail = registry.admin.get(path_of(admin["url"]).rstrip("/"))
    assert detail.json() == admin
    assert registry.admin.get("/api/username/").json() == {"username": "admin"}
    assert registry.admin.get("/api/groups/").json()["results"] == []
    assert registry.admin.post("/api/users/", json={}).status_code == 405


def test_identity_and_active_author(registry: RegistryClient) -> None:
    identity = registry.anonymous.get("/fdp/identity").json()
    assert identity == {
        "service": "fdp-registry",
        "version": fdpd.__version__,
        "shared": False,
        "pid": os.getpid(),  # the process serving it: this one
    }
    # Only a server holding the admin key can prove it; a wrong key gives another proof.
    challenge = secrets.token_hex(16)
    proven = registry.anonymous.get("/fdp/identity", params={"challenge": challenge}).json()
    assert registry.admin_token is not None
    assert proof_matches(registry.admin_token, challenge, proven["proof"])
    assert not proof_matches("0" * 40, challenge, proven["proof"])
    assert "fdp" not in registry.anonymous.get("/api/").json()
    first = registry.create("author", {"name": unique("First ")})
    second = registry.create("author", {"name": unique("Second ")})
    anonymous = registry.anonymous.put("/fdp/active-author", json={"author": first["url"]})
    assert anonymous.status_code == 403
    admin_id = id_of(registry.admin.get("/api/users/?username=admin").json()["results"][0]["url"])
    for author in (first, second):
        response = registry.admin.put("/fdp/active-author", json={"author": author["url"]})
        assert response.status_code == 200
        links = registry.anonymous.get(f"/api/user_author/?user={admin_id}").json()
        assert links["count"] == 1 and links["results"][0]["author"] == author["url"]
    bad = registry.admin.put("/fdp/active-author", json={"author": "/api/author/99999999/"})
    assert bad.status_code == 400
