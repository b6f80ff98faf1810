"""The one containment rule (fdpd.store.containment) for any name, and the config items that
build data store paths from it: `write:` names (a config error naming line, column and item) and
`register:` items through fdpctl's code and the daemon app in process (a failed item; nothing
written outside the store; tests/pull/in_process.py)."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fdpd.store.containment import (
    UnsafePath,
    contained_path,
    safe_extension,
    shown,
    store_file_path,
)
from fdpd.userconfig import ConfigError
from tests.pull.in_process import Fdp, fdp, pulling, remote
from tests.userconfig.conftest import Generate, generate

__all__ = ["fdp", "generate", "pulling", "remote"]

# Path-ish text: separators, dots, drive letters, control and bidi characters, any unicode.
PIECES = st.sampled_from(
    ["/", ".", "..", "../", "\\", "\0", "\n", "\r", "\x1b", "\u202e", "\u200b", "C:", "~", " ", "a"]
)
NAMES = st.lists(st.one_of(PIECES, st.text(min_size=1, max_size=8)), max_size=8).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data store with a symbolic link inside it that points out of it."""
    base = tmp_path_factory.mktemp("containment")
    (base / "outside").mkdir()
    (base / "store" / "ns").mkdir(parents=True)
    (base / "store" / "ns" / "link").symlink_to(base / "outside")
    (base / "store" / "loop").symlink_to(base / "store" / "loop")
    return base / "store"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project `generate` works in: a plain folder (write names ask nothing of git)."""
    folder = tmp_path / "river-model"
    folder.mkdir()
    return folder


def inside(path: Path, store: Path) -> bool:
    resolved, root = path.resolve(), store.resolve()
    return resolved.is_relative_to(root) and resolved != root


@SETTINGS
@given(namespace=NAMES, name=NAMES, version=NAMES, extension=NAMES)
def test_any_store_path_is_refused_or_inside_the_store(
    store: Path, namespace: str, name: str, version: str, extension: str
) -> None:
    try:
        path, relative = store_file_path(store, namespace, name, version, extension)
    except UnsafePath as refused:
        assert "\n" not in refused.message and "\u202e" not in refused.message
        return
    assert inside(path, store), (path, relative)
    assert path == store.joinpath(*relative.split("/"))
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in relative)
    assert ".." not in relative.split("/") and not relative.startswith("/")


@SETTINGS
@given(relative=NAMES)
def test_any_relative_path_is_refused_or_inside_the_store(store: Path, relative: str) -> None:
    try:
        path = contained_path(store, relative)
    except UnsafePath:
        return
    assert inside(path, store), path


@SETTINGS
@given(rest=NAMES)
def test_a_path_through_a_link_pointing_out_is_refused(store: Path, rest: str) -> None:
    assume(rest.strip("/") and not rest.startswith("/"))
    with pytest.raises(UnsafePath):
        contained_path(store, f"ns/link/{rest}")


@SETTINGS
@given(extension=NAMES)
def test_an_accepted_extension_is_one_plain_token(extension: str) -> None:
    try:
        accepted = safe_extension(extension)
    except UnsafePath:
        return
    assert "/" not in accepted and ".." not in accepted and os.sep not in accepted
    assert accepted.isascii() and accepted[0].isalnum()


@SETTINGS
@given(value=st.text(max_size=40))
def test_shown_values_hold_no_control_or_formatting_characters(value: str) -> None:
    text = shown(value)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("../x", "'..'"),
        ("/etc/passwd", "absolute path"),
        ("a\0b", "NUL"),
        ("a\nb", "control character"),
        ("invoice\u202egpj.sh", "right-to-left"),
        ("C:/Windows", "absolute path"),
        ("a\\..\\b", "backslash"),
    ],
)
def test_each_refusal_names_its_reason(store: Path, value: str, reason: str) -> None:
    with pytest.raises(UnsafePath) as refused:
        store_file_path(store, "ns", value, "1.0.0", "csv")
    assert reason in refused.value.message


def test_the_loop_and_the_store_itself_are_refused(store: Path) -> None:
    with pytest.raises(UnsafePath):
        contained_path(store, "loop/x")
    with pytest.raises(UnsafePath):
        contained_path(store, "ns/..")


RUN = "run_metadata:\n  description: d\n  script: echo\n"


@pytest.mark.parametrize(
    ("item", "key_path", "line", "column"),
    [
        ('  - data_product: "../../escape"\n    file_type: csv\n', "write[0].data_product", 5, 19),
        ("  - data_product: /etc/cron.d/x\n    file_type: csv\n", "write[0].data_product", 5, 19),
        ('  - data_product: "a\\0b"\n    file_type: csv\n', "write[0].data_product", 5, 19),
        ('  - data_product: "a\\nb"\n    file_type: csv\n', "write[0].data_product", 5, 19),
        (
            '  - data_product: "bill\\u202egpj"\n    file_type: csv\n',
            "write[0].data_product",
            5,
            19,
        ),
        (
            "  - data_product: out\n    file_type: csv\n    use:\n      data_product: ../../x\n",
            "write[0].use.data_product",
            8,
            21,
        ),
        (
            "  - data_product: out\n    file_type: csv\n    namespace: ..\n",
            "write[0].namespace",
            7,
            16,
        ),
        (
            '  - data_product: out\n    file_type: "sh/../../../x"\n',
            "write[0].file_type",
            6,
            16,
        ),
    ],
)
def test_write_names_leaving_the_store_are_config_errors(
    generate: Generate, item: str, key_path: str, line: int, column: int
) -> None:
    with pytest.raises(ConfigError) as caught:
        generate(RUN + "write:\n" + item)
    problems = [p for p in caught.value.problems if p.key_path == key_path]
    assert problems, caught.value.problems
    problem = problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert problem.file == "config.yaml"
    assert "\n" not in problem.message and "\u202e" not in problem.message
    assert "cannot name a file" in problem.message or "plain file extension" in problem.message


def test_a_plain_write_name_still_works(generate: Generate) -> None:
    result = generate(RUN + "write:\n  - data_product: out/a-b_c.1\n    file_type: tar.gz\n")
    assert [w["data_product"] for w in result.data["write"]] == ["out/a-b_c.1"]


def register_item(source: Path, namespace: str, name: str, file_type: str = "csv") -> str:
    return (
        f"  - data_product: '{name}'\n    namespace_name: '{namespace}'\n"
        f"    root: file://{source.parent}/\n    path: {source.name}\n"
        f"    file_type: '{file_type}'\n    version: '1.0.0'\n"
    )


def test_register_items_leaving_the_store_fail_and_write_nothing(fdp: Fdp, tmp_path: Path) -> None:
    source = tmp_path / "sources" / "s.csv"
    source.parent.mkdir()
    source.write_bytes(b"a,b\n1,2\n")
    victim = tmp_path / "victim"
    victim.mkdir()
    climb = "../" * (len((fdp.store / "reg-ok" / "x").resolve().parts) - 1)
    config = tmp_path / "config.yaml"
    config.write_text(
        "run_metadata:\n  description: d\n  script: echo\nregister:\n"
        + register_item(source, "reg-ok", "fine")
        + register_item(source, "reg-ok", f"x/{climb}{str(victim).lstrip('/')}")
        + register_item(source, "..", "reg-escape")
        + register_item(source, "reg-ok", "typed", f"csv/{climb}{str(victim).lstrip('/')}")
    )

    status, events = fdp.stream("pull", str(config))

    assert status == 1
    items = events[-1]["result"]["items"]
    by_status = {i["item"]: i["status"] for i in items}
    assert by_status["reg-ok:fine@1.0.0"] == "registered"
    failed = [i["reason"] for i in items if i["status"] == "failed"]
    assert len(failed) == 3, items
    assert all("register[" in reason for reason in failed), failed
    assert list(victim.iterdir()) == []
    assert not (fdp.root / "reg-escape").exists()
    assert fdp.local("namespace", name="..") == []
    assert (fdp.store / "reg-ok" / "fine" / "1.0.0.csv").read_bytes() == source.read_bytes()
