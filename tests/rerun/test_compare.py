"""The comparison of a rerun's outputs with the original's, in process (a pure function over
files): identical by SHA-1, matched by namespace:name, the first differing line of text, and
outputs only one side made."""

from __future__ import annotations

from pathlib import Path

from fdpd.features.rerun.compare import compare_outputs
from fdpd.features.rerun.recorded import RecordedOutput
from fdpd.store import sha1_file


def output(folder: Path, label: str, text: bytes) -> RecordedOutput:
    path = folder / label.replace(":", "_").replace("/", "_").replace("@", "_")
    path.write_bytes(text)
    return RecordedOutput(label.rpartition("@")[0], label, sha1_file(path), len(text), str(path))


def test_differences_name_the_output_sizes_and_first_line(tmp_path: Path) -> None:
    original = [
        output(tmp_path, "ns:same@0.0.1", b"a,1\n"),
        output(tmp_path, "ns:text@0.0.1", b"a,1\nb,2\nc,3\n"),
        output(tmp_path, "ns:binary@0.0.1", b"\0\1\2"),
        output(tmp_path, "ns:lost@0.0.1", b"x\n"),
    ]
    rerun = [
        output(tmp_path, "ns:same@0.0.2", b"a,1\n"),
        output(tmp_path, "ns:text@0.0.2", b"a,1\nb,20\nc,3\n"),
        output(tmp_path, "ns:binary@0.0.2", b"\0\1\3"),
        output(tmp_path, "ns:extra@0.0.1", b"y\n"),
    ]

    identical, differences = compare_outputs(original, rerun)

    assert identical == 1
    by_name = {d["output"]: d for d in differences}
    assert sorted(by_name) == ["ns:binary", "ns:extra", "ns:lost", "ns:text"]
    text = by_name["ns:text"]
    assert (text["line"], text["original_line"], text["rerun_line"]) == (2, "b,2", "b,20")
    assert (text["original_size"], text["rerun_size"]) == (12, 13)
    assert by_name["ns:binary"]["line"] is None  # not text: no line shown
    assert by_name["ns:lost"]["rerun"] is None and by_name["ns:lost"]["original"] == "ns:lost@0.0.1"
    assert by_name["ns:extra"]["original"] is None


def test_a_longer_file_differs_past_the_shorter_ones_end(tmp_path: Path) -> None:
    original = [output(tmp_path, "ns:t@0.0.1", b"a\n")]
    rerun = [output(tmp_path, "ns:t@0.0.2", b"a\nb\n")]
    identical, [difference] = compare_outputs(original, rerun)
    assert identical == 0
    assert (difference["line"], difference["original_line"], difference["rerun_line"]) == (
        2,
        None,
        "b",
    )
