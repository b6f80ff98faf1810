"""The one rule for paths fdp builds from data it did not write itself.

Names, namespaces and versions from remote records, registry records and user configs become
folders and files in a data store (`<namespace>/<name>/<version>.<ext>`). Each part is checked
first (`safe_name`, `safe_version`, `safe_extension`); then the joined path is resolved, symbolic
links included, and must stay inside the data store (`contained_path`). Anything refused raises
`UnsafePath`, whose message names the field, the value (escaped, so control characters and
bidirectional overrides are shown, not obeyed) and why.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.escaping import escaped

# A file extension is one plain token, as registries and language APIs use them: csv, h5, tar.gz.
_EXTENSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+-]*(\.[A-Za-z0-9][A-Za-z0-9_+-]*)*")
_MAX_PART = 255
_MAX_VALUE = 1024


class UnsafePath(FdpError):
    """A name, version or extension that would put a file outside the data store, or names
    no file."""

    code = ErrorCode.UNSAFE_PATH


def shown(value: object) -> str:
    """`value` quoted and escaped as by `escaped`."""
    return "'" + escaped(value) + "'"


def unsafe_reason(value: str, *, slashes: bool) -> str | None:
    """Why `value` cannot be used as a path part (with `/` allowed where `slashes`), or None."""
    if not value:
        return "it is empty"
    if len(value) > _MAX_VALUE:
        return f"it is longer than {_MAX_VALUE} characters"
    for ch in value:
        category = unicodedata.category(ch)
        if ch == "\0":
            return "it contains a NUL character"
        if category in ("Cc", "Zl", "Zp"):
            return "it contains a control character"
        if category == "Cf":
            return "it contains an invisible formatting character (a right-to-left override, say)"
    if "\\" in value:
        return "it contains a backslash"
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        return "it is an absolute path"
    parts = value.split("/")
    if not slashes and len(parts) > 1:
        return "it contains '/'"
    for part in parts:
        if part in ("", ".", ".."):
            return "it has an empty, '.' or '..' path segment"
        if len(part.encode("utf-8")) > _MAX_PART:
            return f"a path segment is longer than {_MAX_PART} bytes"
    return None


def safe_name(value: object, what: str, *, slashes: bool = True) -> str:
    """`value` as a data store path part (a namespace, a data product name: `/` allowed)."""
    text = str(value)
    reason = unsafe_reason(text, slashes=slashes)
    if reason is not None:
        raise UnsafePath(
            f"{what} {shown(text)} cannot name a file in the data store: {reason}",
            hint="names are relative paths of plain segments: no '..', no leading '/', "
            "no control characters",
        )
    return text


def safe_version(value: object, what: str = "version") -> str:
    return safe_name(value, what, slashes=False)


def safe_extension(value: object, what: str = "file type extension") -> str:
    """A file extension without its leading dot; one plain token such as `csv` or `tar.gz`."""
    text = str(value).removeprefix(".")
    if not _EXTENSION.fullmatch(text) or len(text) > 32:
        raise UnsafePath(
            f"{what} {shown(value)} is not a plain file extension",
            hint="an extension is letters, digits, '_', '+' or '-', in parts joined by '.' "
            "(such as csv or tar.gz)",
        )
    return text


def contained_path(data_store: Path, relative: str | PurePosixPath) -> Path:
    """`data_store / relative`, resolved (symbolic links followed) and checked to stay inside it."""
    relative_text = str(relative)
    reason = unsafe_reason(relative_text, slashes=True)
    if reason is not None:
        raise UnsafePath(
            f"path {shown(relative_text)} cannot be used in the data store: {reason}",
            hint="the item's namespace, name, version or extension is not a plain name",
        )
    parts = PurePosixPath(relative_text).parts
    root = data_store.resolve()
    try:
        candidate = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError) as error:  # a symbolic link loop, or a link too long
        raise UnsafePath(
            f"path {shown(relative_text)} in the data store {root} cannot be resolved: "
            f"{getattr(error, 'strerror', None) or error}",
            hint=f"remove the symbolic link loop inside {root}",
        ) from None
    if not candidate.is_relative_to(root) or candidate == root:
        raise UnsafePath(
            f"path {shown(relative_text)} leads outside the data store {root} "
            "(through a symbolic link)",
            hint=f"remove the symbolic link inside {root} that points elsewhere",
        )
    return data_store.joinpath(*parts)


def store_file_path(
    data_store: Path, namespace: object, name: object, version: object, extension: str
) -> tuple[Path, str]:
    """`<data store>/<namespace>/<name>/<version>.<ext>`, every part checked: (path, relative)."""
    parts = [
        safe_name(namespace, "namespace"),
        safe_name(name, "data product name"),
        safe_version(version) + (f".{safe_extension(extension)}" if extension else ""),
    ]
    relative = "/".join(parts)
    return contained_path(data_store, relative), relative
