"""A `remote_data_registry_url` that is none of the user's remotes (docs/config.md): FAIR-CLI
0.11.0 ran such configs (its pull and push used its own configured remote), so fdp runs them too,
with pull and push on the default remote, and says so in one message shared by run and pull."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"[a-z][a-z0-9_-]*")


def suggested_remote_name(url: str) -> str:
    """A name to give `fdpctl remote add` for `url`: its host's main label (`scrc` for
    data.scrc.uk), else `other`."""
    host = (urlsplit(url).hostname or "").lower()
    labels = [label for label in host.split(".") if label]
    if len(labels) >= 2 and not host.replace(".", "").isdigit():
        label = labels[-2]
    else:
        label = labels[0] if labels else ""
    return label if _LABEL.fullmatch(label) else "other"


def unknown_remote_note(url: str, default_remote: str | None) -> str:
    """The warning for a remote_data_registry_url that is not a configured remote."""
    used = (
        f"pull and push use {default_remote}"
        if default_remote
        else "no remote is configured, so pull and push have none to use"
    )
    return (
        f"remote_data_registry_url {url} is not one of your remotes; {used}; "
        f"`fdpctl remote add {suggested_remote_name(url)} URL` to use it"
    )
