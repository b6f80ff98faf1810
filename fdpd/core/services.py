"""The long-lived services of one fdpd, built once with its context (`DaemonContext.services`).

Features reach them as typed attributes: `ctx.services.activity`, `ctx.services.locks.gc`...
The local registry (`LocalRegistryService`: fdpd's registry supervisor, made on first use by
`fdpd.local_registry.lifecycle.registry_supervisor`; in-process tests put fdp's registry app here),
the update scheduler by the server at start-up (`fdpd.server.startup`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from fdpd.base.cancellation import Cancellation
from fdpd.base.memory_release import ReleaseAfterOperations
from fdpd.base.wire import ActivityOut, Event, ScheduledCheck
from fdpd.core.reservations import WriteReservations

if TYPE_CHECKING:  # annotations only: fdpd imports httpx when it first talks to a registry
    import httpx

    from fdpd.local_registry.access import LocalRegistryService


class ActivityFeed:
    """Every event of every operation, for whoever follows (`GET /v1/operations/follow`)."""

    def __init__(self) -> None:
        self._followers: set[asyncio.Queue[ActivityOut]] = set()

    def follow(self) -> asyncio.Queue[ActivityOut]:
        queue: asyncio.Queue[ActivityOut] = asyncio.Queue()
        self._followers.add(queue)
        return queue

    def unfollow(self, queue: asyncio.Queue[ActivityOut]) -> None:
        self._followers.discard(queue)

    def publish(self, operation_id: int, verb: str, event: Event) -> None:
        for queue in self._followers:
            queue.put_nowait({"operation": operation_id, "verb": verb, "event": event})


@dataclass
class Locks:
    """One operation of each kind at a time: these change what the others read."""

    housekeeping: asyncio.Lock = field(default_factory=asyncio.Lock)  # gc and delete
    push: asyncio.Lock = field(default_factory=asyncio.Lock)
    update: asyncio.Lock = field(default_factory=asyncio.Lock)
    bookkeeping: asyncio.Lock = field(default_factory=asyncio.Lock)  # of jobs recorded later


class Scheduler(Protocol):
    """What the daemon API shows of the update scheduler
    (fdpd.features.updates.scheduler.UpdateScheduler)."""

    @property
    def config_error(self) -> str | None: ...

    def jobs(self) -> list[ScheduledCheck]: ...


@dataclass
class Services:
    activity: ActivityFeed = field(default_factory=ActivityFeed)
    # cancel requests of the running operations that can be cancelled, by operation id
    cancellations: dict[int, Cancellation] = field(default_factory=dict)
    reservations: WriteReservations = field(default_factory=WriteReservations)
    memory: ReleaseAfterOperations = field(default_factory=ReleaseAfterOperations)
    locks: Locks = field(default_factory=Locks)
    # The local registry: every client of it is made through it (`client`, `requests`).
    registry: LocalRegistryService | None = None
    # Why the local registry must outlive this fdpd ("" when it need not): a cluster's jobs
    # run on after fdpd stops and talk to it (fdpd.features.run.executors.adoption); it stops by
    # itself once idle with no fdpd (`--exit-when-orphaned`), and the next fdpd adopts it.
    registry_outlives_fdpd: Callable[[], str] = lambda: ""
    scheduler: Scheduler | None = None
    # How remote registries are reached: None, the network. In-process tests give an
    # httpx.ASGITransport over a registry app, so features run unchanged against it.
    remote_transport: httpx.AsyncBaseTransport | None = None
