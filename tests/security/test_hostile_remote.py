"""A hostile remote: fdp's own shared registry, where another user ("mallory") writes crafted
records, pulled by ana's fdp with `fdpctl pull` and `fdpctl update` (issue #10): fdpctl's code and
the daemon app in process (tests/pull/in_process.py), the files written by fdpd's own code.

Each hostile product sits beside a good one in the same pull: the good one is pulled, the hostile
one is refused with its reason, the exit status is 1, no traceback, and nothing outside ana's
data store is written (a victim file and folder outside it are checked byte for byte).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fdp_process import json_lines
from tests.pull.in_process import Fdp, Remote, fdp, pulling, remote
from tests.sync.seed import add_product

__all__ = ["fdp", "pulling", "remote"]  # ana's fdp and the shared registry, per module

VICTIM_BYTES = b"the victim's own file\n"
ATTACK = b"echo owned\n"


@pytest.fixture
def victim() -> Iterator[Path]:
    """A file outside ana's data store, in a folder of its own (checked after each attack)."""
    folder = Path(tempfile.mkdtemp(prefix="fdp-victim-", dir="/tmp"))
    (folder / "victim").write_bytes(VICTIM_BYTES)
    yield folder / "victim"
    shutil.rmtree(folder, ignore_errors=True)


def up_to_root(fdp: Fdp, namespace: str, name: str) -> str:
    """Enough `../` to climb from `<store>/<namespace>/<name>/` to `/`."""
    depth = len((fdp.store / namespace / name).resolve().parts) - 1
    return "../" * depth


def hostile(
    remote: Remote,
    namespace: str,
    name: str,
    *,
    version: str = "1.0.0",
    extension: str = "csv",
    content: bytes | None = None,
    root: str | None = None,
    path: str | None = None,
) -> None:
    """A product mallory makes: its bytes served by the remote unless `root` says otherwise."""
    seeder = remote.seeder("mallory")
    content = content or ATTACK + f"{namespace} {name!r} {version}\n".encode()
    sha1 = seeder.upload(content) if root is None else hashlib.sha1(content).hexdigest()
    add_product(
        seeder,
        namespace=namespace,
        name=name,
        version=version,
        content=content,
        root=root or f"{remote.registry.base_url}/data/",
        path=path if path is not None else sha1,
        extension=extension,
    )


def config_reading(tmp_path: Path, namespace: str, *names: str) -> Path:
    reads = "".join(
        f"  - data_product: {name}\n    use:\n      namespace: '{namespace}'\n" for name in names
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "run_metadata:\n  description: hostile\n  script: python3 model.py\nread:\n" + reads
    )
    return path


def pull_refused(fdp: Fdp, config: Path) -> dict[str, dict[str, Any]]:
    """`fdpctl pull` that must exit 1: its items by status (pulled / failed)."""
    result = fdp.fdpctl("--json", "pull", str(config))
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    plain = fdp.fdpctl("pull", str(config))
    assert "Traceback" not in plain.stderr + plain.stdout
    last = json_lines(result.stdout)[-1]
    assert "result" in last, last
    items = last["result"]["items"]
    return {"pulled": _by_status(items, "pulled"), "failed": _by_status(items, "failed")}


def _by_status(items: list[dict[str, Any]], status: str) -> dict[str, Any]:
    return {item["item"]: item for item in items if item["status"] == status}


def assert_untouched(victim: Path) -> None:
    assert victim.read_bytes() == VICTIM_BYTES
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim"]


def good(remote: Remote, namespace: str) -> None:
    seeder = remote.seeder("mallory")
    content = f"good {namespace}\n".encode()
    add_product(
        seeder,
        namespace=namespace,
        name="good",
        version="1.0.0",
        content=content,
        root=f"{remote.registry.base_url}/data/",
        path=seeder.upload(content),
    )


def test_file_type_extension_climbing_out_is_refused(
    fdp: Fdp, remote: Remote, tmp_path: Path, victim: Path
) -> None:
    good(remote, "hx-ext")
    climb = up_to_root(fdp, "hx-ext", "evil")
    hostile(remote, "hx-ext", "evil", extension=f"sh/{climb}{str(victim).lstrip('/')}")

    items = pull_refused(fdp, config_reading(tmp_path, "hx-ext", "good", "evil"))

    assert list(items["pulled"]) == ["hx-ext:good@1.0.0"]
    [reason] = [i["reason"] for i in items["failed"].values()]
    assert "is not a plain file extension" in reason and "hx-ext:evil@1.0.0" in reason
    assert_untouched(victim)
    assert (fdp.store / "hx-ext" / "good" / "1.0.0.csv").is_file()
    assert fdp.versions("hx-ext", "evil") == []


def test_product_name_climbing_out_is_refused(
    fdp: Fdp, remote: Remote, tmp_path: Path, victim: Path
) -> None:
    good(remote, "hx-name")
    name = f"x/{up_to_root(fdp, 'hx-name', 'x')}{str(victim.parent).lstrip('/')}"
    hostile(remote, "hx-name", name)

    items = pull_refused(fdp, config_reading(tmp_path, "hx-name", "good", name))

    assert list(items["pulled"]) == ["hx-name:good@1.0.0"]
    [reason] = [i["reason"] for i in items["failed"].values()]
    assert "'..'" in reason and "refused: it would leave the data store" in reason
    assert_untouched(victim)


def test_absolute_product_name_is_refused(
    fdp: Fdp, remote: Remote, tmp_path: Path, victim: Path
) -> None:
    good(remote, "hx-abs")
    hostile(remote, "hx-abs", str(victim.parent))

    items = pull_refused(fdp, config_reading(tmp_path, "hx-abs", "good", str(victim.parent)))

    assert list(items["pulled"]) == ["hx-abs:good@1.0.0"]
    [reason] = [i["reason"] for i in items["failed"].values()]
    assert "absolute path" in reason
    assert_untouched(victim)


def test_namespace_dot_dot_is_refused(fdp: Fdp, remote: Remote, tmp_path: Path) -> None:
    hostile(remote, "..", "hx-dotdot-escape")

    items = pull_refused(fdp, config_reading(tmp_path, "..", "hx-dotdot-escape"))

    [reason] = [i["reason"] for i in items["failed"].values()]
    assert "namespace '..'" in reason
    assert not (fdp.root / "hx-dotdot-escape").exists()
    assert not (fdp.store.parent / "hx-dotdot-escape").exists()


def test_version_with_a_slash_is_never_pulled(fdp: Fdp, remote: Remote, tmp_path: Path) -> None:
    """fdp's registry refuses such a version, so it is written into the remote's database; pull
    only takes semantic versions (a read item naming it is a config error), so it never becomes
    a path (and `store_file_path` would refuse it: test_containment)."""
    good(remote, "hx-ver")
    hostile(remote, "hx-ver", "evil", version="9.9.9")
    crafted = "9.9.9/../../../hx-version-escape"
    with sqlite3.connect(remote.registry.database_url.removeprefix("sqlite:///")) as database:
        database.execute(
            "UPDATE data_product SET version = ? WHERE name = 'evil' AND version = '9.9.9'",
            (crafted,),
        )
    config = config_reading(tmp_path, "hx-ver", "good", "evil")

    items = pull_refused(fdp, config)

    assert list(items["pulled"]) == ["hx-ver:good@1.0.0"]
    assert list(items["failed"]) == ["evil"]
    config.write_text(config.read_text() + f"      version: '{crafted}'\n")
    exact = fdp.fdpctl("pull", str(config))
    assert exact.returncode != 0 and "Traceback" not in exact.stderr + exact.stdout
    assert "version" in exact.stderr + exact.stdout
    assert not list(fdp.root.rglob("hx-version-escape*"))


@pytest.mark.parametrize(
    ("tag", "name"),
    [("nl", "ctl/a\nb"), ("rtl", "ctl/invoice\u202evsc.sh"), ("esc", "ctl/a\x1bb")],
)
def test_control_characters_in_names_are_refused_and_shown_escaped(
    fdp: Fdp, remote: Remote, tmp_path: Path, tag: str, name: str
) -> None:
    namespace = f"hx-ctl-{tag}"
    good(remote, namespace)
    hostile(remote, namespace, name)

    items = pull_refused(fdp, config_reading(tmp_path, namespace, "good", "ctl/*"))

    assert list(items["pulled"]) == [f"{namespace}:good@1.0.0"]
    [(label, item)] = items["failed"].items()
    assert "character" in item["reason"]
    for text in (label, item["reason"]):
        assert not any(ch in text for ch in "\n\u202e\x1b"), text
    assert not (fdp.store / namespace / "ctl").exists()


def test_symbolic_link_in_the_store_pointing_out_is_refused(
    fdp: Fdp, remote: Remote, tmp_path: Path, victim: Path
) -> None:
    good(remote, "hx-link")
    hostile(remote, "hx-link", "linked")
    (fdp.store / "hx-link").mkdir(parents=True, exist_ok=True)
    (fdp.store / "hx-link" / "linked").symlink_to(victim.parent)

    items = pull_refused(fdp, config_reading(tmp_path, "hx-link", "good", "linked"))

    assert list(items["pulled"]) == ["hx-link:good@1.0.0"]
    [reason] = [i["reason"] for i in items["failed"].values()]
    assert "symbolic link" in reason
    assert_untouched(victim)


def test_local_storage_root_a_remote_names_is_never_read(
    fdp: Fdp, remote: Remote, tmp_path: Path, victim: Path
) -> None:
    good(remote, "hx-file")
    # the hash matches the victim's bytes, so the old code copied them into the store
    hostile(remote, "hx-file", "passwd", content=VICTIM_BYTES, root=f"file://{victim.parent}/")
    hostile(remote, "hx-file", "bare", content=VICTIM_BYTES, root=f"{victim.parent}/")

    items = pull_refused(fdp, config_reading(tmp_path, "hx-file", "good", "passwd", "bare"))

    assert list(items["pulled"]) == ["hx-file:good@1.0.0"]
    assert sorted(items["failed"]) == ["hx-file:bare@1.0.0", "hx-file:passwd@1.0.0"]
    for item in items["failed"].values():
        assert "must come over HTTP(S)" in item["reason"], item
    stored = [p.read_bytes() for p in fdp.store.rglob("*") if p.is_file()]
    assert VICTIM_BYTES not in stored
    assert fdp.versions("hx-file", "passwd") == []


def test_update_refuses_a_hostile_newer_version(
    fdp: Fdp, remote: Remote, tmp_path: Path, victim: Path
) -> None:
    good(remote, "hx-upd")
    fdp.pull(config_reading(tmp_path, "hx-upd", "good"))
    climb = up_to_root(fdp, "hx-upd", "good")
    hostile(remote, "hx-upd", "good", version="1.1.0", extension=f"sh/{climb}{str(victim)[1:]}")

    result = fdp.fdpctl("--json", "update")

    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    assert "not a plain file extension" in result.stdout
    assert_untouched(victim)
    assert fdp.versions("hx-upd", "good") == ["1.0.0"]
