"""What a run records as its code repository (`run_metadata.remote_repo`) when nobody else can
fetch the code, and spotting paths of this machine in such values.

The language APIs record `remote_repo` as a storage location under a root of their own
(pyDataPipeline: `https://github.com` + remote_repo; the C++ API: `https://github.com/` + the value
without that prefix; rDataPipeline: the value's `scheme://host/` + the rest), with `latest_commit`
as its hash, and push publishes it. A `file://` URL or a path there would publish a path of the
user's machine as if it were an address. `no-remote://none/<folder name>` stays true wherever it
is read: the code was in a folder of that name and had no remote. It is a URL of the shape
rDataPipeline splits (`[a-z]*://[a-z]*.[a-z]*/` as root, the folder as path: a bare
`no-remote:x` would leave it a blank path, which the registry refuses), and its scheme names no
real repository under a root the other APIs put in front of it.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import urlsplit, urlunsplit

NO_REMOTE = "no-remote:"  # marks a recorded code repository that had no remote
# its storage root, as rDataPipeline splits it and push sends it
NO_REMOTE_ROOT = "no-remote://none/"
_SCP_LIKE = re.compile(r"[^/\\]{2,}:")  # [user@]host:path (git's scp-like syntax), not C:\


def unfetchable_repo(project: PurePath) -> str:
    """The remote_repo of code in `project` that has no remote: `no-remote://none/<folder name>`."""
    return NO_REMOTE_ROOT + (project.name or "project")


def no_remote_folder(recorded: str) -> str | None:
    """The folder name in a recorded code repository that had no remote (root + path, with
    whatever root a language API put in front), else None."""
    if NO_REMOTE not in recorded:
        return None
    return recorded.rstrip("/").rsplit("/", 1)[-1].split(NO_REMOTE)[-1] or "project"


def is_local_git_url(url: str) -> bool:
    """A git remote URL that names a path of this machine (`file://`, `/srv/x.git`, `../x`)."""
    text = url.strip()
    if text.lower().startswith("file:"):
        return True
    if "://" in text:
        return False
    return _SCP_LIKE.match(text) is None


def without_credentials(url: str) -> str:
    """`url` without a password or token in it (`https://TOKEN@host/…` → `https://host/…`); an
    ssh user name (`ssh://git@host/…`) stays."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    user, _, host = parts.netloc.rpartition("@")
    if parts.scheme.lower() in ("http", "https") or ":" in user:
        keep = "" if parts.scheme.lower() in ("http", "https") else user.split(":", 1)[0] + "@"
        return urlunsplit(parts._replace(netloc=keep + host))
    return url


def names_machine_path(text: str) -> bool:
    """Whether a recorded code repository (remote_repo, or a location's root + path) holds a
    path of this machine: a `file:` URL anywhere in it, or an absolute path."""
    value = text.strip()
    if "file:" in value.lower():
        return True
    return value.startswith(("/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", value) is not None
