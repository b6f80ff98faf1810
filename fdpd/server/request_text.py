"""Refuse text that no file name, database or YAML parser can take: NUL and lone surrogates.

JSON may carry `\\u0000` and unpaired `\\ud800`; Python accepts both in a `str`, and then the
first `open()`, SQLite bind or UTF-8 encode deep inside a verb fails with an internal error. One
check here answers 400 for every route instead. The run's `environment` is the exception for
surrogates: Python hands non-UTF-8 environment bytes to fdpctl surrogate-escaped, and they go back
to the script's environment unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from starlette.requests import Request

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError

SURROGATE_ESCAPED_FIELDS = frozenset({"environment"})


async def refuse_unusable_text(request: Request) -> None:
    """A router dependency: 400 `bad_request` when the path, query or JSON body holds such text."""
    texts = [("path", request.url.path, False)]
    texts += [
        ("query", text, False) for item in request.query_params.multi_items() for text in item
    ]
    if "json" in request.headers.get("content-type", ""):
        body = await request.body()
        with suppress(ValueError, RecursionError):  # not JSON: the route's validation answers
            texts += _body_strings(json.loads(body))
    for where, text, escaped_bytes_allowed in texts:
        if "\x00" in text or not (escaped_bytes_allowed or _encodable(text)):
            raise FdpError(
                f"the request's {where} holds a NUL character or an unpaired UTF-16 surrogate",
                hint="send text without NUL characters, encoded as valid UTF-8",
                code=ErrorCode.BAD_REQUEST,
            )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _body_strings(body: Any) -> Iterator[tuple[str, str, bool]]:
    if not isinstance(body, dict):
        yield from (("body", text, False) for text in _strings(body))
        return
    for field, value in body.items():
        yield f"field {field[:40]!r}", field, False
        escaped = field in SURROGATE_ESCAPED_FIELDS
        yield from ((f"field {field[:40]!r}", text, escaped) for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
