"""A folder data store never keeps what an interrupted upload left: a registry killed mid-upload
leaves a `.part` file that the next start or a re-push of the same SHA-1 removes; a client that
drops the connection leaves nothing. Real registry processes, real HTTP over raw sockets."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.registry.running_registry import RunningRegistry, running_registry

CONTENT = os.urandom(4 * 1024 * 1024)
SHA1 = hashlib.sha1(CONTENT).hexdigest()


def parts(store: Path) -> list[Path]:
    return sorted(store.rglob("*.part"))


def upload_url(registry: RunningRegistry) -> str:
    answer = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers())
    assert answer.status_code == 200, answer.text
    url = answer.json()["url"]
    assert isinstance(url, str)
    return url


def start_upload(url: str, sent: int) -> socket.socket:
    """A PUT of CONTENT that has sent only its first `sent` bytes."""
    parts_of = urlsplit(url)
    assert parts_of.hostname is not None and parts_of.port is not None
    connection = socket.create_connection((parts_of.hostname, parts_of.port))
    head = (
        f"PUT {parts_of.path}?{parts_of.query} HTTP/1.1\r\nHost: {parts_of.netloc}\r\n"
        f"Content-Length: {len(CONTENT)}\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    connection.sendall(head.encode() + CONTENT[:sent])
    return connection


def wait_for(condition: object, what: str, timeout: float = 15.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def kill_mid_upload(registry: RunningRegistry, store: Path) -> None:
    connection = start_upload(upload_url(registry), len(CONTENT) // 2)
    wait_for(lambda: any(p.stat().st_size > 0 for p in parts(store)), "a partial upload")
    registry.process.send_signal(signal.SIGKILL)
    registry.process.wait()
    connection.close()
    assert parts(store), "the killed registry left no partial file (nothing to test)"
    time.sleep(1.2)  # older than STALE_AFTER_SECONDS: no live writer could still be locking it


def put_whole(url: str) -> httpx.Response:
    return httpx.put(url, content=CONTENT, timeout=60)


def stored(store: Path) -> bytes:
    return (store / SHA1[:2] / SHA1).read_bytes()


def test_a_re_push_cleans_what_a_killed_registry_left(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with running_registry(tmp_path / "b", shared=True, data_store=str(store)) as survivor:
        upload_url(survivor)  # the surviving registry has its store open before the kill
        with running_registry(tmp_path / "a", shared=True, data_store=str(store)) as doomed:
            kill_mid_upload(doomed, store)
        answer = put_whole(upload_url(survivor))
        assert answer.status_code == 200, answer.text
        assert parts(store) == []
        assert stored(store) == CONTENT


def test_the_next_start_cleans_what_a_killed_registry_left(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with running_registry(tmp_path / "a", shared=True, data_store=str(store)) as doomed:
        kill_mid_upload(doomed, store)
    with running_registry(tmp_path / "a2", shared=True, data_store=str(store)) as restarted:
        upload_url(restarted)  # opens the store
        assert parts(store) == []
        assert put_whole(upload_url(restarted)).status_code == 200
        assert stored(store) == CONTENT


def test_a_dropped_client_leaves_nothing_and_a_live_upload_is_not_disturbed(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    with running_registry(tmp_path / "a", shared=True, data_store=str(store)) as registry:
        live = start_upload(upload_url(registry), len(CONTENT) // 4)
        wait_for(lambda: any(p.stat().st_size > 0 for p in parts(store)), "the live upload")
        time.sleep(1.2)
        dropped = start_upload(upload_url(registry), len(CONTENT) // 2)
        wait_for(lambda: len(parts(store)) == 2, "the second upload")
        dropped.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        dropped.close()  # an abort (RST), as from a killed client
        wait_for(lambda: len(parts(store)) == 1, "the dropped upload's file to go")
        live.sendall(CONTENT[len(CONTENT) // 4 :])  # the live upload, older than any, survived
        answer = live.recv(4096)
        live.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert parts(store) == []
        assert stored(store) == CONTENT
