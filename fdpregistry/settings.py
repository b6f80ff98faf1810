"""How one registry server process is configured (`fdpd registry serve` flags)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fdpd.base.paths import resolve_locations

# How long the server keeps an idle keep-alive connection open. It must outlast the clients' own
# idle limit (httpx: 5 s, the same as uvicorn's default): with equal limits a client may send a
# request on a connection at the instant the server closes it, and a POST that met a closed
# connection cannot safely be sent again (the push load test saw 3 in 21,000 requests fail so).
KEEP_ALIVE_SECONDS = 65


def default_database_url() -> str:
    """SQLite file `registry.db` in fdp's data dir."""
    return f"sqlite:///{resolve_locations().registry_database_path}"


@dataclass(frozen=True)
class RegistrySettings:
    """Everything `create_app` needs.

    `data_store` is a folder path or `s3://bucket/prefix` (used by the data store routes);
    `shared` turns on the multi-user remote registry mode; `admin_token_file` holds the key of
    the `admin` user (created 0600 with a fresh key when absent); `file_roots` are the folders
    whose files `/data_product/...` and `/external_object/...` may serve (with a folder
    `data_store`, which is one too), and `file_roots_file` lists more of them, one absolute
    folder a line, read again at each use (fdpd keeps its users' data stores there).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    data_store: str | None = None
    shared: bool = False
    admin_token_file: Path | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    file_roots: tuple[Path, ...] = ()
    file_roots_file: Path | None = None
    allowed_hosts: tuple[str, ...] = ()  # Host names a local registry answers besides loopback

    def served_folders(self) -> tuple[Path, ...]:
        """Folders local storage roots may be read from: `file_roots`, those `file_roots_file`
        lists, and a folder data store."""
        folders = (*self.file_roots, *listed_folders(self.file_roots_file))
        store = self.data_store
        if store and "://" not in store:
            return (*folders, Path(store))
        return folders

    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()


def listed_folders(path: Path | None) -> tuple[Path, ...]:
    """The absolute folders `path` lists, one a line (none when it is unreadable)."""
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    lines = (line.strip() for line in text.splitlines())
    return tuple(Path(line) for line in lines if line and Path(line).is_absolute())
