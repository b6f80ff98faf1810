"""How many writes fdp has in flight to one registry at once.

The reference registry's creates are not atomic: its SQLite answers 500 "database is locked" to
concurrent writes, and a create that fails half way leaves the record without some of its links
(an object without its authors, which it has no PATCH to add). So a registry is written one
request at a time until it says its writes are atomic (fdp's registry sends `FDP-Atomic-Writes`
on every answer); then `atomic_limit` at once. Every 5xx halves the limit, down to one, for the
rest of the client's life.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from fdpd.registry.atomic_writes import ATOMIC_WRITES_HEADER


class WriteGate:
    def __init__(self, atomic_limit: int) -> None:
        self.limit = 1
        self._atomic_limit = atomic_limit
        self._judged = False
        self._active = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the `limit` write slots while the body runs."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._active < self.limit)
            self._active += 1
        try:
            yield
        finally:
            async with self._changed:
                self._active -= 1
                self._changed.notify_all()

    async def observe(self, response: httpx.Response) -> None:
        """Learn from an answer of the registry: the first tells whether writes are atomic
        (unless a 5xx came first), any 5xx halves the limit."""
        async with self._changed:
            if response.status_code >= 500:
                self._judged = True
                self.limit = max(1, self.limit // 2)
            elif not self._judged:
                self._judged = True
                if response.headers.get(ATOMIC_WRITES_HEADER, "").lower() == "true":
                    self.limit = self._atomic_limit
            self._changed.notify_all()
