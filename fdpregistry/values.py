"""Parsing and validating single values of request bodies (docs/registry-api.md).

Each `parse_*` returns the internal value or raises `Invalid` carrying the reference's message.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

DATETIME_FORMAT_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
FORBIDDEN_NAME_CHARACTERS = frozenset("[]?*")
MAX_INTEGER = 2147483647

# The patterns are compiled on first use, not at import: a registry answers its first request
# sooner (the URL pattern's Unicode ranges under IGNORECASE alone take milliseconds to compile).


@cache
def _datetime_pattern() -> re.Pattern[str]:
    return re.compile(
        r"(\d{4})-(\d{1,2})-(\d{1,2})"
        r"(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d*)?)?)?"
        r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?"
    )


@cache
def _semver_pattern() -> re.Pattern[str]:
    return re.compile(
        r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
        r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
        r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
    )


@cache
def _url_pattern() -> re.Pattern[str]:
    return re.compile(
        r"(?:https?|ftps?)://"
        r"(?:[^\s:@/]+(?::[^\s@/]*)?@)?"  # user:password@
        r"(?:"
        r"(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}"  # IPv4
        r"|\[[0-9a-fA-F:.]+\]"  # IPv6
        r"|(?:[a-zA-Z0-9\u00a1-\uffff](?:[a-zA-Z0-9\u00a1-\uffff-]{0,61}[a-zA-Z0-9\u00a1-\uffff])?\.)+"
        r"(?:[a-zA-Z\u00a1-\uffff]{2,63}|xn--[a-zA-Z0-9]{1,59})\.?"  # domain with a TLD
        r"|localhost"
        r")"
        r"(?::\d{1,5})?"
        r"(?:[/?#][^\s]*)?",
        re.IGNORECASE,
    )


@cache
def _integer_pattern() -> re.Pattern[str]:
    return re.compile(r"\s*[+-]?\d+(?:\.0*)?\s*")


TRUE_VALUES = frozenset({"t", "y", "yes", "true", "on", "1"})
FALSE_VALUES = frozenset({"f", "n", "no", "false", "off", "0"})


class Invalid(ValueError):
    """A value failed validation; `message` is the text the API answers with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_datetime(text: str) -> datetime | None:
    """An aware UTC datetime from the ISO forms clients send (T or space, optional seconds,
    fraction and offset; naive = UTC; date-only = midnight); None if unparsable."""
    match = _datetime_pattern().fullmatch(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")), tzinfo=_zone(offset),
        )  # fmt: skip
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _zone(offset: str | None) -> timezone:
    if offset is None or offset in ("Z", "z"):
        return UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def check_string(value: Any, *, max_length: int | None, allow_blank: bool) -> str:
    """A trimmed string; numbers are accepted and converted as the reference does."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid("Not a valid string.")
    text = str(value).strip()
    if "\x00" in text:
        raise Invalid("Null characters are not allowed.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("Not a valid string.") from None
    if not text and not allow_blank:
        raise Invalid("This field may not be blank.")
    if max_length is not None and len(text) > max_length:
        raise Invalid(f"Ensure this field has no more than {max_length} characters.")
    return text


def check_name(text: str) -> str:
    if any(char in FORBIDDEN_NAME_CHARACTERS for char in text):
        raise Invalid(f"Name {text} contains invalid characters ([]?*).")
    return text


def check_semver(text: str) -> str:
    if not _semver_pattern().fullmatch(text):
        raise Invalid(f"Version {text} is not a valid semantic version.")
    return text


def check_url(text: str) -> str:
    if text and not _url_pattern().fullmatch(text):
        raise Invalid("Enter a valid URL.")
    return text


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in TRUE_VALUES:
            return True
        if lowered in FALSE_VALUES:
            return False
    raise Invalid("Must be a valid boolean.")


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("A valid integer is required.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) < 50 and _integer_pattern().fullmatch(value):
        number = int(value.strip().split(".")[0])
    else:
        raise Invalid("A valid integer is required.")
    if number > MAX_INTEGER:
        raise Invalid(f"Ensure this value is less than or equal to {MAX_INTEGER}.")
    if number < -MAX_INTEGER - 1:
        raise Invalid(f"Ensure this value is greater than or equal to {-MAX_INTEGER - 1}.")
    return number


def parse_uuid(value: Any) -> str:
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            pass
    raise Invalid("Must be a valid UUID.")


def parse_body_datetime(value: Any) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise Invalid(DATETIME_FORMAT_ERROR)
    return parsed
