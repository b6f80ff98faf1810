"""Cancelling an operation on request (`fdpctl cancel`, Ctrl-C in fdpctl) at a safe point.

A cancel request only sets a flag; the work itself stops, where stopping leaves everything
consistent:

    checkpoint("between files")                 # raises OperationCancelled once asked
    await abortable(download(...), "while downloading a file")   # abandoned when asked

`abortable` cancels what it awaits as soon as the request comes, and waits for that work's own
clean-up (a download removes its partial file) before raising. The operation's work runs with its
`Cancellation` as the current one (a context variable, so every task it starts sees it too);
outside an operation both functions do nothing special.

`OperationCancelled` is not an `FdpError`, so that code handling one item's failure (and going
on with the next) lets it through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

RUN_AGAIN = "nothing partial was kept; run the command again to finish it"


class OperationCancelled(Exception):
    """The operation stopped because it was asked to; `where` says at which point."""

    def __init__(self, where: str, detail: str = "", hint: str = RUN_AGAIN) -> None:
        super().__init__(where)
        self.where = where
        self.detail = detail
        self.hint = hint


class Cancellation:
    """The cancel request of one operation (asked for at most once; asking again changes
    nothing)."""

    def __init__(self) -> None:
        self._asked = asyncio.Event()

    @property
    def requested(self) -> bool:
        return self._asked.is_set()

    def request(self) -> None:
        self._asked.set()

    async def wait(self) -> None:
        await self._asked.wait()


_current: ContextVar[Cancellation | None] = ContextVar("fdp_cancellation", default=None)


def bind(cancellation: Cancellation) -> None:
    """Make `cancellation` the current one for this task and the tasks it starts."""
    _current.set(cancellation)


def cancel_requested() -> bool:
    current = _current.get()
    return current is not None and current.requested


def checkpoint(where: str) -> None:
    """A safe point: raise OperationCancelled if the operation was asked to stop."""
    if cancel_requested():
        raise OperationCancelled(where)


async def abortable(work: Awaitable[T], where: str) -> T:
    """Await `work`; if the operation is asked to stop first, cancel it, let it clean up, and
    raise OperationCancelled."""
    current = _current.get()
    if current is None:
        return await work
    task = asyncio.ensure_future(work)
    asked = asyncio.ensure_future(current.wait())
    try:
        await asyncio.wait({task, asked}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        asked.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # its own clean-up (a partial file) runs to the end
    if task.cancelled() and current.requested:
        raise OperationCancelled(where)
    return task.result()


async def gather_to_the_end(*works: Awaitable[None]) -> None:
    """Await `works` together and every one of them to its end, even after one failed (so no
    sibling is still writing when the caller reports); then raise the first failure, a cancel
    before any other."""
    outcomes = await asyncio.gather(*works, return_exceptions=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    for failure in failures:
        if isinstance(failure, OperationCancelled):
            raise failure
    if failures:
        raise failures[0]
