"""Request bodies encoded as `json.dumps` encodes them, without importing `json` (whose modules
import `re`, and so `enum`): `fdpctl run` sends one on every run.

`encode_body` drives the C encoder `json.dumps` itself uses with its default options (ASCII,
`", "` and `": "` separators, NaN allowed, no sorting), so it gives the same text. A Python
without `_json` gets `json.dumps` itself.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn


def encode_body(body: Any) -> bytes:
    """`json.dumps(body).encode()`."""
    try:
        from _json import encode_basestring_ascii, make_encoder
    except ImportError:  # not CPython
        import json

        return json.dumps(body).encode()
    if isinstance(body, str):
        return str(encode_basestring_ascii(body)).encode()
    encoder = make_encoder(
        {}, _not_serializable, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    return "".join(encoder(body, 0)).encode()


def _not_serializable(value: Any) -> NoReturn:
    """What `json.JSONEncoder.default` does with a value JSON has no form for."""
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")
