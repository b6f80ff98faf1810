"""How many writes (and how many requests) fdp has in flight to one registry at once.

The reference registry's creates are not atomic: its SQLite answers 500 "database is locked" to
concurrent writes, and a create that fails half way leaves the record without some of its links
(an object without its authors, which it has no PATCH to add). So a registry is written one
request at a time until it says its writes are atomic (fdp's registry sends `FDP-Atomic-Writes`
on every answer); then `atomic_limit` at once. The window adapts: a 5xx or a 429 (too many
requests) halves the limit, down to one; `limit` answers in a row without either, the last at
least GROW_AFTER seconds after the limit last changed, add one again, up to `atomic_limit` for a
registry with atomic writes (one at a time stays the most for any other).

The same gate, started at `start` and bounded by `other_limit` until the registry says it is
fdp's, is the client's window of requests in flight (`RegistryClient`), record writes and
file transfers alike: a handful for any registry (the reference's one-process server),
`atomic_limit` for fdp's own, which answers many small files at once; backing off alike on a
5xx or a 429.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from fdpregistry.atomic_writes import ATOMIC_WRITES_HEADER

TOO_MANY_REQUESTS = 429
GROW_AFTER = 5.0  # seconds without a 5xx or 429 before the limit grows by one


class WriteGate:
    def __init__(
        self,
        atomic_limit: int,
        *,
        start: int = 1,
        other_limit: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = start
        self._atomic_limit = atomic_limit
        self._judged = False
        self._active = 0
        self.ceiling = other_limit  # the most `limit` grows to: `atomic_limit` once atomic
        self.atomic_writes = False  # the registry said so (fdp's registry: it speaks bulk too)
        self._good = 0  # answers in a row without a 5xx or 429
        self._clock = clock
        self._changed_at = clock()
        self._changed = asyncio.Condition()
        self.judged = asyncio.Event()  # set by the first answer of the registry

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
        (unless a 5xx came first); a 5xx or 429 halves the limit, a run of good answers grows
        it back by one."""
        status = response.status_code
        async with self._changed:
            if not self._judged:
                self._judged = True
                self.judged.set()
                if status < 500 and _says_atomic(response):
                    self.atomic_writes = True
                    self.ceiling = self.limit = self._atomic_limit
            if status >= 500 or status == TOO_MANY_REQUESTS:
                self._good = 0
                self.limit = max(1, self.limit // 2)
                self._changed_at = self._clock()
            else:
                self._good += 1
                now = self._clock()
                if (
                    self._good >= self.limit
                    and self.limit < self.ceiling
                    and now - self._changed_at >= GROW_AFTER
                ):
                    self._good = 0
                    self.limit += 1
                    self._changed_at = now
            self._changed.notify_all()


def _says_atomic(response: httpx.Response) -> bool:
    return str(response.headers.get(ATOMIC_WRITES_HEADER, "")).lower() == "true"
