"""An async client for any FAIR registry REST API (ours or the reference Django one).

One keep-alive connection pool per registry; every request counted by method (tests assert
request budgets with `requests`); bounded retries with backoff for requests that are safe to repeat.
The token is sent only to the registry's own origin and never appears in errors or logs.
A URL a remote names elsewhere (a storage root's file, an upload URL, a redirect) is refused when
it leads to this machine or its link (loopback, link-local, unspecified), unless the remote itself
is there (fdpd/base/loopback.py): a remote must not make fdp reach services only this machine can.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from fdpd.base.error_codes import ErrorCode
from fdpd.base.hashing import CHUNK_SIZE, sha1_hex_to_base64
from fdpd.base.loopback import internal_host
from fdpd.base.tls import default_ssl_context
from fdpd.remote.errors import (
    InternalTargetRefused,
    RemoteError,
    RemoteNotFound,
    RemoteRejected,
    RemoteServerError,
    RemoteUnreachable,
    TokenRejected,
)
from fdpd.remote.links import link_path
from fdpd.remote.write_gate import WriteGate
from fdpd.store.framing import (
    FILES_MEDIA_TYPE,
    MAX_BODY_BYTES,
    FramingError,
    decode_files,
    encode_files,
)

API_ACCEPT = "application/json; version=1.0.0"
REMOVAL_TIMEOUT = 300.0  # one transaction over every record a gc removes
LOCAL_REGISTRY_LOG_HINT = "see the registry log (logs/registry.log in fdpd's state folder)"
DEFAULT_PAGE_SIZE = 1000
NARROW_WINDOW = 8  # requests in flight to a registry (the reference's is one process)
FDP_WINDOW = 16  # to fdp's own registries: many small files' round trips overlap
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Seconds between attempts, read when a client is made without `retry_delays`.
RETRY_DELAYS = (0.2, 0.6, 1.5)
TOO_MANY_REQUESTS = 429
BULK_PUSH_PATH = "fdp/bulk/push"
BULK_PULL_PATH = "fdp/bulk/pull"
BULK_UPLOAD_SLOTS_PATH = "fdp/bulk/upload-slots"
BULK_FILES_PATH = "fdp/bulk/files"
BULK_DOWNLOAD_PATH = "fdp/bulk/download"
BULK_TIMEOUT = 300.0  # thousands of records in one request
_TOKEN_PROBLEMS = ("Invalid token", "Invalid token header")


def _raise_response_read_size() -> None:
    """Read responses 256 KiB at a time rather than httpcore's 64 KiB.

    anyio hands httpcore each 256 KiB socket read cut down to 64 KiB by copying the rest, which
    doubles a download's CPU (benchmarks/transfer_1gib.py). The knob is a class attribute of a
    private httpcore module: if a later httpcore moves it, downloads are slower, nothing breaks.
    """
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection
    except ImportError:
        return
    current = getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", None)
    if isinstance(current, int) and current < 256 * 1024:
        AsyncHTTP11Connection.READ_NUM_BYTES = 256 * 1024


_raise_response_read_size()

Record = dict[str, Any]
FilterValue = str | int | bool | Sequence[str | int]
QueryList = list[tuple[str, str | int | float | bool | None]]


class RegistryClient:
    """Talks to the registry at `base_url` (`http://host:port/` or `http://host:port/api/`)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        name: str = "remote",
        label: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 60.0,
        max_connections: int = NARROW_WINDOW,
        fdp_connections: int = FDP_WINDOW,
        retry_delays: Sequence[float] | None = None,
        local: bool = False,
    ) -> None:
        root = base_url.rstrip("/")
        if root.endswith("/api"):
            root = root[: -len("/api")]
        self.name = name
        self._local = local
        # How messages name this registry: "remote origin", or "the local registry".
        self.label = label or f"remote {name}"
        self.root_url = root + "/"
        self.api_url = self.root_url + "api/"
        self.requests: Counter[str] = Counter()
        self._token = token
        self._origin = _origin(self.root_url)
        self._remote_internal: bool | None = None  # the remote is on this machine or its link
        self._internal_hosts: dict[str, str | None] = {}  # other hosts: why internal, or None
        self._retry_delays = tuple(RETRY_DELAYS if retry_delays is None else retry_delays)
        wide = max(max_connections, fdp_connections)
        self._writes = WriteGate(max_connections)  # record writes (a file's bytes: the window)
        # requests in flight: `max_connections`, or `fdp_connections` for fdp's own registries
        self._window = WriteGate(wide, start=max_connections, other_limit=max_connections)
        self._bulk: bool | None = None  # the bulk routes answered (True), or 404 (False)
        self._bulk_files = True  # False once the bulk file routes answered 404
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=wide, max_keepalive_connections=wide),
            event_hooks={"request": [self._count, self._refuse_internal]},
            verify=default_ssl_context(),
        )

    @classmethod
    def local(
        cls,
        base_url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> RegistryClient:
        """A client for fdp's own local registry: named so in messages, its failures coded as
        the local registry's (`registry_down`, `registry_refused`)."""
        return cls(
            base_url,
            token,
            name="local registry",
            label="the local registry",
            transport=transport,
            local=True,
        )

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def request_total(self) -> int:
        return sum(self.requests.values())

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def collection_url(self, record_type: str) -> str:
        return f"{self.api_url}{record_type}/"

    def absolute(self, link: str) -> str:
        """`link` (any host, or a bare path) as a URL on this registry."""
        return self.root_url + link_path(link).lstrip("/")

    def route_url(self, path: str) -> str:
        """A route of this registry outside its records (`/fdp/...`, `/admin/...`)."""
        return self.root_url + path.lstrip("/")

    def is_own_url(self, url: str) -> bool:
        return _origin(url) == self._origin

    # --- records -----------------------------------------------------------------------------

    async def get(self, link: str) -> Record:
        response = await self._send("GET", self.absolute(link))
        return _json_object(response, self.label)

    async def whoami(self) -> str:
        """The user the token belongs to (checks reachability and the token in one request)."""
        response = await self._send("GET", f"{self.api_url}username/")
        return str(_json_object(response, self.label).get("username", ""))

    async def list_records(
        self,
        record_type: str,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        page_size: int | None = DEFAULT_PAGE_SIZE,
    ) -> list[Record]:
        """Every record matching `filters`, following `next` to the last page (`page_size`
        None: the registry's own page size; its `users/` takes no other)."""
        params = _query_params(filters or {})
        if page_size is not None:
            params.append(("page_size", str(page_size)))
        url: str | None = self.collection_url(record_type)
        rows: list[Record] = []
        first = True
        while url is not None:
            response = await self._send("GET", url, params=params if first else None)
            page = _json_object(response, self.label)
            rows.extend(page.get("results") or [])
            url = page.get("next")
            first = False
        return rows

    async def count(
        self, record_type: str, filters: Mapping[str, FilterValue] | None = None
    ) -> int | None:
        """How many records match `filters` (one request for a one-row page); None if the
        registry's answer gives no count."""
        params = [*_query_params(filters or {}), ("page_size", "1")]
        response = await self._send("GET", self.collection_url(record_type), params=params)
        count = _json_object(response, self.label).get("count")
        return count if isinstance(count, int) else None

    async def post(self, record_type: str, body: Mapping[str, Any]) -> Record | None:
        """Create a record: the new record, or None when the registry answers 409 (it exists)."""
        response = await self._send(
            "POST", self.collection_url(record_type), json=dict(body), accept_statuses={409}
        )
        if response.status_code == 409:
            return None
        return _json_object(response, self.label)

    async def create(
        self, record_type: str, body: Mapping[str, Any], natural_key: Mapping[str, FilterValue]
    ) -> tuple[Record, bool]:
        """POST `body`; on 409 find the existing one by `natural_key`. Returns (record, created)."""
        created = await self.post(record_type, body)
        if created is not None:
            return created, True
        rows = await self.list_records(record_type, natural_key)
        if not rows:
            raise RemoteError(
                f"{self.label} refused to create a {record_type} as a duplicate, "
                f"but no {record_type} matches {dict(natural_key)}",
                hint="another constraint of that record clashes; check the remote's records",
            )
        return rows[0], False

    async def patch(self, link: str, body: Mapping[str, Any]) -> Record:
        response = await self._send("PATCH", self.absolute(link), json=dict(body))
        return _json_object(response, self.label)

    async def post_to(self, url: str, body: Mapping[str, Any] | None = None) -> Record:
        """POST to a URL of this registry (an action, not a record), with a JSON body if given."""
        response = await self._send("POST", url, json=body, headers={"Accept": "application/json"})
        return _json_object(response, self.label)

    async def put(self, url: str, body: Mapping[str, Any]) -> Record:
        response = await self._send("PUT", url, json=dict(body))
        return _json_object(response, self.label)

    async def post_route(self, path: str, body: Mapping[str, Any]) -> Record:
        """POST a JSON body to one of fdp's routes of this registry (`fdp/...`)."""
        response = await self._send(
            "POST", self.route_url(path), json=dict(body), headers={"Accept": "application/json"}
        )
        return _json_object(response, self.label)

    async def remove_records(self, paths: Sequence[str]) -> list[Record] | None:
        """Remove records through fdp's `POST /fdp/remove` (admin token; all or none): None
        when removed, else the registry's `referenced` list (409: others still use them)."""
        response = await self._send(
            "POST",
            self.route_url("fdp/remove"),
            json={"records": list(paths)},
            headers={"Accept": "application/json"},
            accept_statuses={409},
            timeout=REMOVAL_TIMEOUT,
        )
        if response.status_code == 200:
            return None
        referenced = _json_object(response, self.label).get("referenced")
        return list(referenced) if isinstance(referenced, list) else []

    # --- fdp's bulk protocol (docs/registry-api.md) --------------------------------------------

    @property
    def offers_bulk(self) -> bool:
        """Whether to ask this registry's bulk routes: it is an fdp registry (it said its writes
        are atomic, as only fdp's registry does) and did not answer them 404 yet."""
        return self._bulk is not False and self._writes.atomic_writes

    async def first_answer(self) -> None:
        """Wait until this registry has answered a request (and so said whether it is fdp's)."""
        await self._writes.judged.wait()

    @property
    def transfer_window(self) -> int:
        """How many files to move at once: the most requests this client keeps in flight (wide
        for fdp's own registries once one answered; the window narrows on a 5xx or 429)."""
        return self._window.ceiling

    async def _bulk_post(self, path: str, body: Mapping[str, Any]) -> httpx.Response | None:
        """POST `body` to a bulk route; None (and no bulk from now on) when the registry has none.
        Safe to send again: a retry finds what the first attempt made."""
        response = await self._send(
            "POST",
            self.route_url(path),
            json=body,
            headers={"Accept": "application/json"},
            accept_statuses={404, 405},
            idempotent=True,
            timeout=BULK_TIMEOUT,
        )
        if response.status_code in (404, 405):
            self._bulk = False
            return None
        return response

    async def bulk_upload_slots(self, sha1s: Sequence[str]) -> dict[str, str | None] | None:
        """Per SHA-1, where to PUT its bytes or None if the data store has them (`POST
        /fdp/bulk/upload-slots`); None without the route."""
        response = await self._bulk_post(BULK_UPLOAD_SLOTS_PATH, {"checksums": list(sha1s)})
        if response is None:
            return None
        slots = _json_object(response, self.label).get("slots")
        if not isinstance(slots, dict) or not all(
            isinstance(slots.get(sha1), str | None) and sha1 in slots for sha1 in sha1s
        ):
            raise RemoteError(f"{self.label} answered {BULK_UPLOAD_SLOTS_PATH} without every slot")
        return {sha1: slots[sha1] for sha1 in sha1s}

    async def bulk_find_or_create(self, items: Sequence[Mapping[str, Any]]) -> list[Record] | None:
        """Find or create each item (`POST /fdp/bulk/push`): per item {"status", "record"} or
        {"status", "body"} (a refusal, as `bulk_refusal` raises it); None without the route."""
        response = await self._bulk_post(BULK_PUSH_PATH, {"items": list(items)})
        if response is None:
            return None
        self._bulk = True
        results = _json_object(response, self.label).get("results")
        if not isinstance(results, list) or len(results) != len(items):
            raise RemoteError(f"{self.label} answered {BULK_PUSH_PATH} with a malformed list")
        return [_bulk_answer(result, self.label) for result in results]

    async def bulk_push_atomic(self, items: Sequence[Mapping[str, Any]]) -> list[Record] | None:
        """Find or create every item in one transaction (`POST /fdp/bulk/push` with `atomic`;
        later items may name earlier ones by `{"ref": ...}`): per item {"status", "record"}, or
        None when the registry kept nothing (an item failed, or it has no such route)."""
        response = await self._bulk_post(BULK_PUSH_PATH, {"items": list(items), "atomic": True})
        if response is None:
            return None
        self._bulk = True
        body = _json_object(response, self.label)
        if body.get("committed") is not True:
            return None
        results = body.get("results")
        if not isinstance(results, list) or len(results) != len(items):
            raise RemoteError(f"{self.label} answered {BULK_PUSH_PATH} with a malformed list")
        answers = [_bulk_answer(result, self.label) for result in results]
        if any(answer["status"] not in (200, 201) for answer in answers):
            raise RemoteError(f"{self.label} answered {BULK_PUSH_PATH} with a malformed item")
        return answers

    def bulk_refusal(self, record_type: str, status: int, body: Any) -> RemoteError:
        """The error a single create of `record_type` refused so would have raised."""
        url = self.collection_url(record_type)
        response = httpx.Response(status, json=body, request=httpx.Request("POST", url))
        try:
            self._raise_for_status(response, "POST", url)
        except RemoteError as error:
            return error
        return RemoteError(f"{self.label} refused POST {urlsplit(url).path} ({status})")

    async def bulk_closure(
        self,
        roots: Sequence[str],
        follow: Mapping[str, Sequence[str]],
        children: Mapping[str, Sequence[str]],
    ) -> list[Record] | None:
        """The records of the closure of `roots` (`POST /fdp/bulk/pull`), every page; None
        without the route."""
        request = {
            "roots": [link_path(root) for root in roots],
            "follow": {k: list(v) for k, v in follow.items()},
            "children": {k: list(v) for k, v in children.items()},
        }
        first = await self._bulk_page(request, 0)
        if first is None:
            return None
        records, count = first
        pages = -(-count // max(len(records), 1)) if records else 1
        rest = await asyncio.gather(*(self._bulk_page(request, n) for n in range(1, pages)))
        for page in rest:
            records += page[0] if page else []
        return records

    async def _bulk_page(
        self, request: Mapping[str, Any], page: int
    ) -> tuple[list[Record], int] | None:
        response = await self._bulk_post(BULK_PULL_PATH, {**request, "page": page})
        if response is None:
            return None
        self._bulk = True
        body = _json_object(response, self.label)
        records, count = body.get("records"), body.get("count")
        if (
            not isinstance(records, list)
            or not isinstance(count, int)
            or not all(isinstance(r, dict) and isinstance(r.get("url"), str) for r in records)
        ):
            raise RemoteError(f"{self.label} answered {BULK_PULL_PATH} with malformed records")
        return records, count

    # --- fdp's bulk file routes (small files many at once) -------------------------------------

    @property
    def offers_bulk_files(self) -> bool:
        """Whether to move small files through this registry's bulk file routes."""
        return self.offers_bulk and self._bulk_files

    def bulk_file_name(self, url: str) -> str | None:
        """The name `url` has under this registry's `/data/` (what `POST /fdp/bulk/download`
        takes), or None when it is not one of this registry's files."""
        parts = urlsplit(url)
        prefix = urlsplit(self.root_url).path + "data/"
        if not self.is_own_url(url) or parts.query or not parts.path.startswith(prefix):
            return None
        name = unquote(parts.path[len(prefix) :])
        return name if name and "/" not in name and name != "upload" else None

    def bulk_upload_slot(self, url: str) -> tuple[str, str, str] | None:
        """(SHA-1, expires, signature) of an upload slot of this registry's folder data store
        (`<registry>/data/upload/<sha1>?expires=..&signature=..`), else None."""
        parts = urlsplit(url)
        prefix = urlsplit(self.root_url).path + "data/upload/"
        if not self.is_own_url(url) or not parts.path.startswith(prefix):
            return None
        query = parse_qs(parts.query)
        expires, signature = query.get("expires", []), query.get("signature", [])
        if len(expires) != 1 or len(signature) != 1:
            return None
        return parts.path[len(prefix) :], expires[0], signature[0]

    async def bulk_upload(self, files: Sequence[tuple[str, bytes]]) -> list[tuple[int, str]] | None:
        """Upload small files in one request (`POST /fdp/bulk/files`), each (its upload slot,
        as `bulk_upload_slot` reads it; its bytes): per file the registry's (status, detail),
        201 kept, 200 already there, else refused; None without the route. Safe to repeat."""
        slots = [self.bulk_upload_slot(url) for url, _ in files]
        entries = []
        for slot in slots:
            if slot is None:
                raise ValueError("not an upload slot of this registry's folder data store")
            entries.append({"sha1": slot[0], "expires": slot[1], "signature": slot[2]})
        body = encode_files(entries, [data for _, data in files])
        response = await self._send(
            "POST",
            self.route_url(BULK_FILES_PATH),
            content=body,
            headers={"Content-Type": FILES_MEDIA_TYPE, "Accept": "application/json"},
            accept_statuses={404, 405},
            idempotent=True,
            timeout=BULK_TIMEOUT,
            record=False,
        )
        if response.status_code in (404, 405):
            self._bulk_files = False
            return None
        results = _json_object(response, self.label).get("results")
        if not isinstance(results, list) or len(results) != len(files):
            raise RemoteError(f"{self.label} answered {BULK_FILES_PATH} with a malformed list")
        answers = []
        for entry, result in zip(entries, results, strict=True):
            if (
                not isinstance(result, dict)
                or result.get("sha1") != entry["sha1"]
                or not isinstance(result.get("status"), int)
            ):
                raise RemoteError(f"{self.label} answered {BULK_FILES_PATH} with a malformed item")
            answers.append((int(result["status"]), str(result.get("detail", ""))[:500]))
        return answers

    async def bulk_download(self, names: Sequence[str]) -> list[tuple[int, bytes | None]] | None:
        """The files of `names` (`bulk_file_name`) in one request (`POST /fdp/bulk/download`):
        per name (200, its bytes) or (the registry's status, None); None without the route.
        The answer is untrusted: it is read up to its bound and checked against `names`; its
        bytes are checked against their records' SHA-1 by the caller."""
        url = self.route_url(BULK_DOWNLOAD_PATH)
        headers = {"Accept": FILES_MEDIA_TYPE, "Content-Type": "application/json"}
        if self._token is not None:
            headers["Authorization"] = f"token {self._token}"
        body = json.dumps({"names": list(names)}).encode()
        try:
            async with (
                self._window.slot(),
                self._http.stream(
                    "POST", url, content=body, headers=headers, timeout=BULK_TIMEOUT
                ) as response,
            ):
                await self._window.observe(response)
                if response.status_code in (404, 405):
                    self._bulk_files = False
                    return None
                if response.status_code >= 400:
                    await response.aread()
                    self._raise_for_status(response, "POST", url)
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_BODY_BYTES:
                        raise RemoteError(
                            f"{self.label} answered {BULK_DOWNLOAD_PATH} with more than "
                            f"{MAX_BODY_BYTES} bytes"
                        )
        except httpx.TransportError as error:
            raise self._unreachable(url, error) from None
        try:
            entries, blobs = decode_files(bytes(content))
        except FramingError as error:
            raise RemoteError(f"{self.label} answered {BULK_DOWNLOAD_PATH}: {error}") from None
        if len(entries) != len(names) or any(
            entry.get("name") != name for entry, name in zip(entries, names, strict=True)
        ):
            raise RemoteError(f"{self.label} answered {BULK_DOWNLOAD_PATH} for other files")
        answers: list[tuple[int, bytes | None]] = []
        for entry, blob in zip(entries, blobs, strict=True):
            status = entry.get("status", 200) if blob is None else 200
            answers.append((status if isinstance(status, int) else 502, blob))
        return answers

    # --- data store ----------------------------------------------------------------------------

    async def request_upload(self, sha1: str) -> str | None:
        """Where to PUT the bytes of `sha1`, or None if the remote data store already has them."""
        response = await self._send("POST", f"{self.api_url}data/{sha1}", accept_statuses={409})
        if response.status_code == 409:
            return None
        url = _json_object(response, self.label).get("url")
        if not isinstance(url, str):
            raise RemoteError(f"{self.label} gave no upload URL for {sha1}")
        return url

    async def upload_file(
        self, url: str, path: Path, sha1: str, on_bytes: Callable[[int], None] | None = None
    ) -> None:
        """PUT the file's bytes to an upload URL (signed: no token needed, none sent elsewhere)."""
        size = path.stat().st_size
        headers = {
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
            "x-amz-checksum-sha1": sha1_hex_to_base64(sha1),
        }

        async def body() -> AsyncIterator[bytes]:
            with open(path, "rb") as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    if on_bytes is not None:
                        on_bytes(len(chunk))
                    yield chunk

        await self._send(
            "PUT", url, content_factory=body, headers=headers, with_token=False, record=False
        )

    @asynccontextmanager
    async def stream(self, url: str) -> AsyncIterator[httpx.Response]:
        """GET `url` as a byte stream, following redirects (token only to this registry)."""
        headers = {"Accept": "*/*"}
        if self._token is not None and self.is_own_url(url):
            headers["Authorization"] = f"token {self._token}"
        try:
            async with (
                self._window.slot(),
                self._http.stream("GET", url, headers=headers, follow_redirects=True) as response,
            ):
                if self.is_own_url(url):
                    await self._window.observe(response)
                if response.status_code >= 400:
                    await response.aread()
                    self._raise_for_status(response, "GET", url)
                yield response
        except httpx.TransportError as error:
            raise self._unreachable(url, error) from None

    # --- plumbing ------------------------------------------------------------------------------

    async def _count(self, request: httpx.Request) -> None:
        self.requests[request.method] += 1

    async def _refuse_internal(self, request: httpx.Request) -> None:
        """Every request, redirects included: another host than the remote's own must not be on
        this machine or its link, unless the remote is (a registry on this machine may serve
        its files from another local port)."""
        if self._local or self.is_own_url(str(request.url)):
            return
        if self._remote_internal is None:
            own_host = urlsplit(self.root_url).hostname or ""
            self._remote_internal = await internal_host(own_host) is not None
        if self._remote_internal:
            return
        host = request.url.host
        if host not in self._internal_hosts:
            self._internal_hosts[host] = await internal_host(host)
        reason = self._internal_hosts[host]
        if reason is not None:
            raise InternalTargetRefused(
                f"{self.label} sent fdp to {_shown_url(request.url)}, which is on this "
                f"machine or its link ({reason}): refused, as {self.label} is not",
                hint="ask the remote's owner to serve its files from a public storage root",
            )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: QueryList | None = None,
        json: Mapping[str, Any] | None = None,
        content_factory: Callable[[], AsyncIterator[bytes]] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        accept_statuses: frozenset[int] | set[int] = frozenset(),
        with_token: bool = True,
        timeout: float | None = None,
        idempotent: bool = False,
        record: bool = True,
    ) -> httpx.Response:
        """One request, retried as `_may_repeat` and `_may_retry` allow; `record`: False for a
        file's bytes (no record written: only the window bounds them, not the write gate)."""
        all_headers = {"Accept": API_ACCEPT, **(headers or {})}
        if with_token and self._token is not None and self.is_own_url(url):
            all_headers["Authorization"] = f"token {self._token}"
        attempts = len(self._retry_delays) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._request_once(
                    method,
                    url,
                    params=params,
                    json=json,
                    content=content_factory() if content_factory else content,
                    headers=all_headers,
                    record=record,
                    **({} if timeout is None else {"timeout": timeout}),
                )
            except httpx.TransportError as error:
                if last or not (idempotent or _may_retry(method, error)):
                    raise self._unreachable(url, error) from None
            else:
                if response.status_code < 400 or response.status_code in accept_statuses:
                    return response
                if last or not _may_repeat(method, response.status_code, idempotent):
                    self._raise_for_status(response, method, url)
            await asyncio.sleep(self._retry_delays[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request_once(
        self, method: str, url: str, *, record: bool = True, **options: Any
    ) -> httpx.Response:
        """One HTTP exchange in a slot of the window; record writes to this registry wait for a
        slot of its write gate first (so that they never hold the window while they wait)."""
        if not self.is_own_url(url):
            async with self._window.slot():
                return await self._http.request(method, url, **options)
        gated = record and method in WRITE_METHODS
        writes = self._writes.slot() if gated else contextlib.nullcontext()
        async with writes, self._window.slot():
            response = await self._http.request(method, url, **options)
        await self._writes.observe(response)
        await self._window.observe(response)
        return response

    def _unreachable(self, url: str, error: httpx.TransportError) -> RemoteUnreachable:
        reason = type(error).__name__
        if self._local:
            return RemoteUnreachable(
                f"the local registry at {_without_query(url)} did not answer ({reason})",
                hint=LOCAL_REGISTRY_LOG_HINT,
                code=ErrorCode.REGISTRY_DOWN,
            )
        return RemoteUnreachable(
            f"cannot reach {self.label} at {_without_query(url)} ({reason})",
            hint="check that the registry is running and the URL is right",
        )

    def _raise_for_status(self, response: httpx.Response, method: str, url: str) -> None:
        status = response.status_code
        where = f"{method} {urlsplit(url).path}"
        detail = _detail(response)
        if status == 403 and self._token is not None and detail.startswith(_TOKEN_PROBLEMS):
            raise TokenRejected(
                f"{self.label} rejected the token; check the token file",
                hint=f"the token file for {self.name} must hold a valid token of that registry",
            )
        if status == 403:
            needs = "a token" if self._token is None else "other permissions"
            raise TokenRejected(
                f"{self.label} refused {where} (403: {detail}); it needs {needs}",
                hint=f"set a token file for {self.label}",
            )
        if status == 404:
            raise RemoteNotFound(f"{self.label} has nothing at {where}")
        if status < 500:
            rejected = RemoteRejected(f"{self.label} refused {where} ({status}: {detail})")
            rejected.status_code = status
            raise rejected
        if self._local:
            raise RemoteServerError(
                f"the local registry failed with HTTP {status} on {where}: {detail}",
                hint=LOCAL_REGISTRY_LOG_HINT,
                code=ErrorCode.REGISTRY_REFUSED,
            )
        raise RemoteServerError(
            f"{self.label} failed with HTTP {status} on {where}",
            hint="try again later; the registry's log says why",
        )


def _bulk_answer(result: object, name: str) -> Record:
    if (
        not isinstance(result, dict)
        or not isinstance(result.get("status"), int)
        or (result["status"] in (200, 201) and not isinstance(result.get("record"), dict))
    ):
        raise RemoteError(f"{name} answered {BULK_PUSH_PATH} with a malformed item")
    return result


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _shown_url(url: httpx.URL) -> str:
    """`url` without credentials or query string (either may hold a secret)."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{f':{url.port}' if url.port else ''}{url.path}"


def _may_repeat(method: str, status: int, idempotent: bool = False) -> bool:
    """Whether an answer with `status` may be asked again: 429 (too many requests: not done)
    always, a 5xx for requests safe to repeat."""
    safe = idempotent or method in IDEMPOTENT_METHODS
    return status == TOO_MANY_REQUESTS or (status >= 500 and safe)


def _may_retry(method: str, error: httpx.TransportError) -> bool:
    # A request that never reached the server may always be sent again.
    return method in IDEMPOTENT_METHODS or isinstance(error, httpx.ConnectError)


def _query_params(filters: Mapping[str, FilterValue]) -> QueryList:
    params: QueryList = []
    for key, value in filters.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            params.append((key, text))
    return params


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200].strip() or response.reason_phrase
    except RecursionError:
        return "JSON nested too deeply to read"
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return json.dumps(body)[:500]


def _json_object(response: httpx.Response, name: str) -> Record:
    where = f"{response.request.method} {response.request.url.path}"
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    except RecursionError:  # what json raises for nesting deeper than Python's recursion limit
        shown = _shown_url(response.request.url)
        raise RemoteError(
            f"{name} answered {response.request.method} {shown} with JSON nested too deeply "
            f"to read ({len(response.content)} bytes); it is not a registry's answer",
            hint="check the remote's URL (`fdpctl remote list`); tell the registry's owner",
        ) from None
    if not isinstance(body, dict):
        raise RemoteError(f"{name} answered {where} with something other than JSON")
    return body
