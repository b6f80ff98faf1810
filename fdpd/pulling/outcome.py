"""What pull and update report for each item."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["registered", "pulled", "present", "failed", "newer", "current"]


@dataclass(frozen=True)
class ItemResult:
    """One item of a pull: `registered`/`pulled` (new), `present` (already there, nothing
    copied), `failed` (with `reason`); update adds `newer` (dry run) and `current`."""

    item: str
    status: Status
    kind: Literal["register", "read", "update"]
    local_url: str | None = None
    remote_url: str | None = None
    reason: str = ""
    bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}
