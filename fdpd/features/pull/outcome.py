"""What pull and update report for each item."""

from __future__ import annotations

from dataclasses import dataclass

from fdpd.base.wire import PulledItem, PullKind, PullStatus


@dataclass(frozen=True)
class ItemResult:
    """One item of a pull: `registered`/`pulled` (new), `present` (already there, nothing
    copied), `failed` (with `reason`); update adds `newer` (dry run) and `current`."""

    item: str
    status: PullStatus
    kind: PullKind
    local_url: str | None = None
    remote_url: str | None = None
    reason: str = ""
    bytes: int = 0

    def to_json(self) -> PulledItem:
        """Empty URLs and reasons are left out."""
        shown: PulledItem = {
            "item": self.item,
            "status": self.status,
            "kind": self.kind,
            "bytes": self.bytes,
        }
        if self.local_url:
            shown["local_url"] = self.local_url
        if self.remote_url:
            shown["remote_url"] = self.remote_url
        if self.reason:
            shown["reason"] = self.reason
        return shown
