"""Storing and hashing bytes in a worker thread while the caller goes on receiving the next ones.

File writes and `hashlib` updates of large buffers release the GIL, so on a machine with two
cores receiving (or reading) a chunk overlaps with writing and hashing the previous ones. Chunks
are handed over in batches of about `BATCH_BYTES` (a thread hand-over costs tens of microseconds,
too much per 64 KiB network read) and at most `DEPTH` batches wait, which bounds the memory used.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

BATCH_BYTES = 1024 * 1024
DEPTH = 4

Consumer = Callable[[bytes], None]
_STOP: list[bytes] = []


class BackgroundConsumer:
    """Feeds chunks, in order, to `consume` on one worker thread.

    The first exception `consume` raises is raised again by the next `feed()` or by `finish()`;
    chunks after it are dropped. `finish()` must be called once, even after a failure. The thread
    starts with the first full batch: less than a batch in all is consumed by `finish()` itself.
    """

    def __init__(self, consume: Consumer, name: str = "fdp-store-writer") -> None:
        self._consume = consume
        self._queue: queue.Queue[list[bytes]] = queue.Queue(maxsize=DEPTH)
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = self._finished = False

    def feed(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._batch.append(chunk)
        self._batch_size += len(chunk)
        if self._batch_size >= BATCH_BYTES:
            self._hand_over()

    def finish(self) -> None:
        """Wait until every chunk fed so far is consumed; raise the first failure, if any."""
        if not self._finished:
            self._finished = True
            if self._started:
                self._hand_over()
                self._queue.put(_STOP)
                self._thread.join()
            else:
                self._consume_batch(self._batch)
        if self._error is not None:
            raise self._error

    def _hand_over(self) -> None:
        if self._batch:
            if not self._started:
                self._started = True
                self._thread.start()
            self._queue.put(self._batch)  # blocks while DEPTH batches wait: back-pressure
            self._batch, self._batch_size = [], 0

    def _run(self) -> None:
        while (batch := self._queue.get()) is not _STOP:
            self._consume_batch(batch)

    def _consume_batch(self, batch: list[bytes]) -> None:
        if self._error is not None:
            return  # after a failure, batches are only drained: feeders never block forever
        try:
            for chunk in batch:
                self._consume(chunk)
        except BaseException as error:  # handed to the feeding thread
            self._error = error
