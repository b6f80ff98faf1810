"""Does a rerun's output match the original's? SHA-1 against SHA-1, matched by data product
(`namespace:name`: the rerun's version is new); for a differing text file, the first line that
differs."""

from __future__ import annotations

from pathlib import Path

from fdpd.base.wire import RerunDifference
from fdpd.features.rerun.recorded import RecordedOutput

LINE_SHOWN = 120  # characters of a differing line
TEXT_CAP = 64 * 1024 * 1024  # past this, files are not read line by line


def compare_outputs(
    original: list[RecordedOutput], rerun: list[RecordedOutput]
) -> tuple[int, list[RerunDifference]]:
    """How many of the original's outputs came out identical, and every difference."""
    made = {output.name: output for output in rerun}
    identical = 0
    differences: list[RerunDifference] = []
    for output in original:
        again = made.pop(output.name, None)
        if again is not None and output.hash and output.hash == again.hash:
            identical += 1
        else:
            differences.append(_difference(output, again))
    differences += [_difference(None, extra) for extra in made.values()]
    return identical, differences


def _difference(original: RecordedOutput | None, rerun: RecordedOutput | None) -> RerunDifference:
    line, first, second = _first_differing_line(
        original.path if original else None, rerun.path if rerun else None
    )
    either = original or rerun
    assert either is not None
    return {
        "output": either.name,
        "original": original.label if original else None,
        "rerun": rerun.label if rerun else None,
        "original_size": original.size if original else None,
        "rerun_size": rerun.size if rerun else None,
        "original_hash": original.hash if original else None,
        "rerun_hash": rerun.hash if rerun else None,
        "line": line,
        "original_line": first,
        "rerun_line": second,
    }


def _first_differing_line(
    first: str | None, second: str | None
) -> tuple[int | None, str | None, str | None]:
    """The 1-based number of the first line that differs, and both lines (None past an end);
    all None unless both are UTF-8 text files here."""
    texts = [_text(path) for path in (first, second)]
    if texts[0] is None or texts[1] is None:
        return None, None, None
    a, b = texts[0].splitlines(), texts[1].splitlines()
    for number in range(max(len(a), len(b))):
        left = a[number] if number < len(a) else None
        right = b[number] if number < len(b) else None
        if left != right:
            return number + 1, _shown(left), _shown(right)
    return None, None, None  # the same lines: they differ in line endings only


def _text(path: str | None) -> str | None:
    if path is None:
        return None
    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size > TEXT_CAP:
            return None
        data = file.read_bytes()
    except OSError:
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _shown(line: str | None) -> str | None:
    if line is None or len(line) <= LINE_SHOWN:
        return line
    return line[:LINE_SHOWN] + "…"
