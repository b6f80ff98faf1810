"""fdpd's JSON answers decoded without importing `json`, whose modules import `re` (and so
`enum`): about as much start-up as the rest of a command like `fdpctl daemon status`.

`parse_json` drives the C scanner that `json.loads` itself uses, set up as `json.loads` sets it
up, so what it gives is what `json.loads` gives. Anything it does not decode completely (bad
JSON, trailing data, a Python without `_json`) goes to `json.loads`, which decodes it or raises
its usual `json.JSONDecodeError`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_WHITESPACE = " \t\n\r"  # what JSON allows around a value (json.decoder.WHITESPACE)
_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class _Options:
    """What the scanner reads of a `json.JSONDecoder()` made with no arguments."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


def _scanner() -> Callable[[str, int], tuple[Any, int]] | None:
    try:
        from _json import make_scanner
    except ImportError:  # not CPython: json.loads does it all
        return None
    options: Any = _Options()  # the scanner reads its attributes, as of a JSONDecoder
    scan: Callable[[str, int], tuple[Any, int]] = make_scanner(options)
    return scan


_scan = _scanner()


def parse_json(raw: bytes | str) -> Any:
    """What `json.loads(raw)` gives for fdpd's UTF-8 answer `raw`; its errors as it raises them."""
    if _scan is not None:
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            start = len(text) - len(text.lstrip(_WHITESPACE))
            value, end = _scan(text, start)
        except (UnicodeDecodeError, StopIteration, ValueError):
            pass
        else:
            if not text[end:].strip(_WHITESPACE):
                return value
    import json

    return json.loads(raw)
