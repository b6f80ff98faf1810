"""`read:` items pulled from a shared remote registry and `update`, through fdpctl's code and the
daemon app in process (tests/pull/in_process.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fdpregistry.users_admin import grant_namespace
from tests.fdp_process import json_lines
from tests.pull.in_process import Fdp, Remote, fdp, pulling, remote
from tests.sync.seed import add_code_run, add_product


def read_config(*reads: str, remote_url: str | None = None) -> str:
    metadata = "run_metadata:\n  description: pull inputs\n  script: python3 model.py\n"
    if remote_url:
        metadata += f"  remote_data_registry_url: {remote_url}\n"
    return metadata + "read:\n" + "".join(reads)


def read_item(name: str, namespace: str, version: str | None = None) -> str:
    item = f"  - data_product: {name}\n    use:\n      namespace: {namespace}\n"
    return item + (f'      version: "{version}"\n' if version else "")


def seed(
    remote: Remote,
    namespace: str,
    name: str,
    version: str,
    content: bytes,
    *,
    recorded_sha1: str | None = None,
) -> None:
    seeder = remote.seeder("bob")
    sha1 = seeder.upload(content)
    add_product(
        seeder,
        namespace=namespace,
        name=name,
        version=version,
        content=content,
        root=f"{remote.registry.base_url}/data/",
        path=sha1,
        recorded_sha1=recorded_sha1,
    )


def seed_newer_as(
    remote: Remote, user: str, namespace: str, name: str, version: str, content: bytes
) -> None:
    """A new version written by `user`, reusing the shared records bob made (namespace, root…).
    The namespace is bob's, so `user` writes it by a grant, as on a team's registry."""
    bob, other = remote.seeder("bob"), remote.seeder(user)
    sha1 = other.upload(content)
    root = bob.once("storage_root", {"root": f"{remote.registry.base_url}/data/", "local": False})
    location = other.post(
        "storage_location",
        {"path": sha1, "hash": sha1, "public": True, "storage_root": root["url"]},
    )
    file_type = bob.once("file_type", {"name": "csv", "extension": "csv"})
    obj = other.post("object", {"storage_location": location["url"], "file_type": file_type["url"]})
    ns = bob.once("namespace", {"name": namespace})
    grant_namespace(remote.registry.database_url, namespace, user)  # `fdpd registry grant`
    other.post(
        "data_product",
        {"namespace": ns["url"], "name": name, "version": version, "object": obj["url"]},
    )


__all__ = ["fdp", "pulling", "remote"]


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_pull_a_remote_read_item_then_again_creates_nothing(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    content = b"beta,gamma\n0.3,0.1\n"
    seed(remote, "SCRC", "disease/params", "1.0.0", content)
    config = write_config(
        tmp_path, read_config(read_item("disease/params", "SCRC"), remote_url=remote.api)
    )

    first = fdp.pull(config)
    local_products = fdp.local("data_product", name="disease/params")
    second = fdp.pull(config)

    [item] = first["items"]
    assert (item["item"], item["status"]) == ("SCRC:disease/params@1.0.0", "pulled")
    assert first["remote"] == "origin" and first["records_created"] > 0
    target = fdp.store / "SCRC" / "disease" / "params" / "1.0.0.csv"
    assert hashlib.sha1(target.read_bytes()).hexdigest() == hashlib.sha1(content).hexdigest()
    assert [(i["item"], i["status"]) for i in second["items"]] == [
        ("SCRC:disease/params@1.0.0", "present")
    ]
    assert second["records_created"] == 0 and second["files_downloaded"] == 0
    # measured: 10 GETs for the first pull (file included), 2 for the repeat
    assert first["remote_request_total"] <= 12, first["remote_requests"]
    assert second["remote_request_total"] <= 2, second["remote_requests"]
    assert fdp.local("data_product", name="disease/params") == local_products


def test_wildcard_read_pulls_matches_in_one_segment_and_double_star_any_depth(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    """`*` stays within one name segment, as FAIR-CLI 0.11.0 expands it (the remote's fnmatch
    `name=` filter crosses `/`, so its answer is narrowed); `**` takes any depth."""
    for name in ("scale/north", "scale/south", "scale/south/hourly", "scaled"):
        seed(remote, "wild", name, "0.1.0", f"{name}\n".encode())
    seed(remote, "wild", "scale/north", "0.2.0", b"scale/north v2\n")
    config = write_config(tmp_path, read_config(read_item("scale/*", "wild")))

    status, events = fdp.stream("pull", str(config))

    assert status == 0, events[-3:]
    pulled = sorted((i["item"], i["status"]) for i in events[-1]["result"]["items"])
    assert pulled == [
        ("wild:scale/north@0.2.0", "pulled"),
        ("wild:scale/south@0.1.0", "pulled"),
    ]
    # the remote's fnmatch filter also took scale/south/hourly: said at the item's line
    [warning] = [e["message"] for e in events if e["type"] == "warning"]
    assert warning.startswith(f"{config}:5:5: read[0]: pattern `scale/*` leaves out")
    assert "`scale/south/hourly`" in warning and "`scale/**`" in warning
    assert (
        fdp.store / "wild" / "scale" / "north" / "0.2.0.csv"
    ).read_bytes() == b"scale/north v2\n"
    assert fdp.versions("wild", "scale/south/hourly") == []
    assert fdp.versions("wild", "scaled") == []

    deep = write_config(tmp_path, read_config(read_item("scale/**", "wild")))
    pulled = sorted(i["item"] for i in fdp.pull(deep)["items"])
    assert "wild:scale/south/hourly@0.1.0" in pulled
    hourly = fdp.store / "wild" / "scale" / "south" / "hourly" / "0.1.0.csv"
    assert hourly.read_bytes() == b"scale/south/hourly\n"


def test_remote_record_with_a_wrong_hash_is_rejected(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    content = b"real bytes\n"
    seed(remote, "broken", "good", "1.0.0", content)  # the remote serves these bytes
    wrong = hashlib.sha1(b"other bytes\n").hexdigest()
    seed(remote, "broken", "data", "1.0.0", content, recorded_sha1=wrong)
    config = write_config(tmp_path, read_config(read_item("data", "broken")))

    status, events = fdp.stream("pull", str(config))

    assert status == 1
    [item] = events[-1]["result"]["items"]
    assert item["status"] == "failed" and "SHA-1" in item["reason"]
    # no file (the engine may leave the empty folder it made for the download)
    assert not [p for p in (fdp.store / "broken").rglob("*") if p.is_file()]
    assert fdp.versions("broken", "data") == []


def test_missing_remote_product_is_a_failed_item(fdp: Fdp, remote: Remote, tmp_path: Path) -> None:
    seed(remote, "present", "here", "1.0.0", b"here\n")
    config = write_config(
        tmp_path, read_config(read_item("here", "present"), read_item("not/here", "present"))
    )

    status, events = fdp.stream("pull", str(config))

    assert status == 1
    items = {i["item"]: i for i in events[-1]["result"]["items"]}
    assert items["present:here@1.0.0"]["status"] == "pulled"
    assert items["not/here"]["status"] == "failed" and "not/here" in items["not/here"]["reason"]


def test_update_pulls_a_newer_version_pushed_by_another_user(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    seed(remote, "upd", "rain", "1.0.0", b"rain 1\n")
    fdp.pull(write_config(tmp_path, read_config(read_item("rain", "upd"))))
    seed_newer_as(remote, "carol", "upd", "rain", "1.1.0", b"rain 1.1\n")

    dry = fdp.fdpctl("update", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "upd:rain 1.0.0 -> 1.1.0 (not pulled: dry run)" in dry.stdout
    assert fdp.versions("upd", "rain") == ["1.0.0"]

    status, events = fdp.stream("update")
    assert status == 0
    result = events[-1]["result"]
    assert [
        (c["item"], c["status"]) for c in result["changes"] if c["item"].startswith("upd:")
    ] == [("upd:rain 1.0.0 -> 1.1.0", "pulled")]
    assert fdp.versions("upd", "rain") == ["1.0.0", "1.1.0"]
    assert (fdp.store / "upd" / "rain" / "1.1.0.csv").read_bytes() == b"rain 1.1\n"
    again = fdp.fdpctl("update")
    assert again.returncode == 0 and "upd:rain" not in again.stdout


def test_wrong_token_names_the_remote_not_the_token(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    token_file = tmp_path / "wrong.token"
    wrong = "f" * 40
    token_file.write_text(wrong + "\n")
    token_file.chmod(0o600)
    fdp.ok("remote", "add", "wrongtoken", remote.api, "--token-file", str(token_file), "--no-check")
    seed(remote, "tok", "x", "1.0.0", b"x\n")
    config = write_config(tmp_path, read_config(read_item("x", "tok")))

    result = fdp.fdpctl("pull", str(config), "--remote", "wrongtoken")

    assert result.returncode == 1
    assert "wrongtoken" in result.stderr and "token" in result.stderr
    assert wrong not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_config_remote_url_elsewhere_pulls_from_origin_with_a_warning(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    """FAIR-CLI 0.11.0 pulled from its own remote whatever the config named (every
    FDP_validation config names https://data.scrc.uk/api/): fdp uses origin and says so."""
    # not "scrc": the shared remote of this module holds "SCRC", and refuses its lookalikes
    seed(remote, "validation", "elsewhere/x", "1.0.0", b"from origin\n")
    text = read_config(
        read_item("elsewhere/x", "validation"), remote_url="https://data.scrc.uk/api/"
    )
    config = write_config(tmp_path, text)

    status, events = fdp.stream("pull", str(config))

    assert status == 0, events[-3:]
    assert [i["item"] for i in events[-1]["result"]["items"]] == ["validation:elsewhere/x@1.0.0"]
    [warning] = [e["message"] for e in events if e["type"] == "warning"]
    assert warning == (
        f"{config}:4:29: run_metadata.remote_data_registry_url: remote_data_registry_url "
        "https://data.scrc.uk/api/ is not one of your remotes; pull and push use origin; "
        "`fdpctl remote add scrc URL` to use it"
    )


def test_with_provenance_brings_the_producing_run(fdp: Fdp, remote: Remote, tmp_path: Path) -> None:
    files = tmp_path / "remote-files"
    add_code_run(remote.seeder("bob"), files, tag="prov", served_at=remote.registry.base_url)
    config = write_config(tmp_path, read_config(read_item("prov/output", "PSU")))

    result = fdp.pull(config, "--with-provenance")

    assert [(i["item"], i["status"]) for i in result["items"]] == [
        ("PSU:prov/output@0.1.0", "pulled")
    ]
    assert [run["description"] for run in fdp.local("code_run")] == ["model run prov"]
    assert (fdp.store / "PSU" / "prov" / "output" / "0.1.0.csv").exists()


def test_read_items_without_any_remote_name_remote_add(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    config = write_config(tmp_path, read_config(read_item("x", "tok")))
    fdp.ok("remote", "remove", "origin")
    try:
        result = fdp.fdpctl("pull", str(config))
    finally:
        fdp.ok("remote", "add", "origin", remote.api, "--token-file", str(remote.token_file("ana")))

    assert result.returncode == 1
    assert "no remote is configured" in result.stderr and "fdpctl remote add" in result.stderr


def test_read_items_already_local_pull_offline_without_a_remote(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    seed(remote, "offline", "table", "1.0.0", b"here already\n")
    config = write_config(tmp_path, read_config(read_item("table", "offline")))
    fdp.pull(config)  # now local
    fdp.ok("remote", "remove", "origin")
    try:
        result = fdp.fdpctl("--json", "pull", str(config))
    finally:
        fdp.ok("remote", "add", "origin", remote.api, "--token-file", str(remote.token_file("ana")))

    assert result.returncode == 0, result.stdout + result.stderr
    final = json_lines(result.stdout)[-1]["result"]
    assert final["remote"] is None and final["ok"]
    assert [(i["item"], i["status"]) for i in final["items"]] == [
        ("offline:table@1.0.0", "present")
    ]
