"""Many users pushing closures into one shared registry at once, as their fdpd's push does.

Each simulated user has their own token and pushes, in a loop, the closure of a code run the way
`fdpd.sync.push` sends it: the files first (`POST /api/data/<sha1>`, then the signed `PUT`),
then the records through fdp's own `GraphCopier` (look up by natural key, else POST; uuid-keyed
types POST first; a 409 is followed by a look-up). Only the loading of the closure from a local
registry is left out: the closures are built here.

Closures overlap on purpose. Every few seconds (an *epoch*) new shared records appear that all
users race to create: a namespace, two authors, a file type, five input data products in a team
namespace (same object uuids, same files), a code repo location and summary outputs with the
same content. Each user also writes outputs of their own. `duplicate_natural_keys` then asks
the database whether any natural key was stored twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from fdpd.remote.client import RegistryClient
from fdpd.sync.copier import CopyResult, GraphCopier
from fdpd.sync.graph import Node, RecordGraph
from fdpd.sync.transfers import upload
from fdpregistry.users_admin import grant_namespace
from fdpregistry.writes import author_uuid
from tests.registry.running_registry import add_registry_user

TEAM_NAMESPACES = ("team-0", "team-1", "team-2")
INPUTS_PER_EPOCH = 5
UPLOAD_CONCURRENCY = 4  # what fdpd.sync.push uses
STATIC_FILE_TYPES = (("csv file", "csv"), ("yaml file", "yaml"), ("shell script", "sh"))
CODE_REPO_ROOT = "https://github.com/fdp-bench/model/"


@dataclass
class PushStats:
    """What the pushers saw: every HTTP answer, each push's duration, what failed."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    request_seconds: list[float] = field(default_factory=list)
    push_seconds: list[float] = field(default_factory=list)
    records_created: int = 0
    files_uploaded: int = 0
    failures: list[str] = field(default_factory=list)

    def merge(self, other: PushStats) -> None:
        self.statuses.update(other.statuses)
        self.request_seconds += other.request_seconds
        self.push_seconds += other.push_seconds
        self.records_created += other.records_created
        self.files_uploaded += other.files_uploaded
        self.failures += other.failures

    def count(self, low: int, high: int) -> int:
        return sum(n for (_, status), n in self.statuses.items() if low <= status < high)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


class TimedTransport(httpx.AsyncBaseTransport):
    """Notes the status and time of every request, retried ones included."""

    def __init__(self, stats: PushStats) -> None:
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=8))
        self._stats = stats

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = await self._inner.handle_async_request(request)
        await response.aread()
        self._stats.request_seconds.append(time.perf_counter() - started)
        self._stats.statuses[(request.method, response.status_code)] += 1
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class UserMemory:
    """A user's journal of records already on the remote (fdpd's ledger does this)."""

    def __init__(self) -> None:
        self._urls: dict[str, str] = {}

    def known(self, source_key: str) -> str | None:
        return self._urls.get(source_key)

    def remember(self, source_key: str, destination_url: str) -> None:
        self._urls[source_key] = destination_url

    async def flush(self) -> None:
        return None


@dataclass(frozen=True)
class Pusher:
    name: str
    token: str
    index: int


@dataclass
class Closure:
    graph: RecordGraph
    files: dict[str, bytes]  # sha1 -> content


class ClosureBuilder:
    """Builds one push's closure for `user` in `epoch` (node keys are stable names)."""

    def __init__(self, user: Pusher, remote_root: str, epoch: int, serial: int) -> None:
        self.user, self.epoch, self.serial = user, epoch, serial
        self.graph = RecordGraph()
        self.files: dict[str, bytes] = {}
        self._rng = random.Random(f"{user.name}/{serial}")
        self._add("root:store", "storage_root", root=remote_root, local=False)
        self._add("root:repo", "storage_root", root=CODE_REPO_ROOT, local=False)

    def build(self) -> Closure:
        own = self._namespace(self.user.name)
        team = self._namespace(TEAM_NAMESPACES[self.epoch % len(TEAM_NAMESPACES)])
        self._namespace(f"epoch-{self.epoch}")  # created by whoever comes first, used by none
        me = self._author(f"https://orcid.org/fdp-bench-{self.user.name}", self.user.name)
        shared = [self._author(f"https://orcid.org/fdp-bench-e{self.epoch}-{i}") for i in (0, 1)]
        epoch_type = self._file_type(f"bench type {self.epoch}", f"e{self.epoch}")
        picks = self._rng.sample(range(INPUTS_PER_EPOCH), 2)
        inputs = [self._input(team, j, shared[j % 2], epoch_type) for j in picks]
        summary = f"summary {self.epoch} {self._rng.randrange(3)}\n".encode()
        unique = f"{self.user.name} run {self.serial} {uuid.uuid4()}\n".encode()
        outputs = [
            self._product(own, f"results/{self.serial}/out{i}", "0.0.1", content, [me])
            for i, content in enumerate((unique, summary))
        ]
        self._code_run(inputs, outputs, me)
        return Closure(self.graph, self.files)

    def build_setup(self) -> RecordGraph:
        """What every user creates at the same moment first: the team namespaces, their own."""
        for name in (*TEAM_NAMESPACES, self.user.name):
            self._namespace(name)
        for name, extension in STATIC_FILE_TYPES:
            self._file_type(name, extension)
        return self.graph

    def _add(self, key: str, record_type: str, **record: Any) -> str:
        self.graph.add_new(Node(key, record_type, record))
        return key

    def _namespace(self, name: str) -> str:
        return self._add(f"namespace:{name}", "namespace", name=name)

    def _author(self, identifier: str, name: str | None = None) -> str:
        uid = author_uuid(identifier)
        return self._add(f"author:{uid}", "author", name=name, identifier=identifier, uuid=uid)

    def _file_type(self, name: str, extension: str) -> str:
        return self._add(f"file_type:{name}", "file_type", name=name, extension=extension)

    def _location(self, content: bytes) -> str:
        sha1 = hashlib.sha1(content).hexdigest()
        self.files[sha1] = content
        return self._add(
            f"location:{sha1}", "storage_location", path=sha1, hash=sha1, public=True,
            storage_root="root:store",
        )  # fmt: skip

    def _object(self, uid: str, location: str, file_type: str, authors: list[str]) -> str:
        key = self._add(
            f"object:{uid}", "object", uuid=uid, description=None, storage_location=location,
            file_type=file_type, authors=authors,
        )  # fmt: skip
        self._add(f"component:{uid}", "object_component", name="whole_object",
                  description=None, whole_object=True, object=key)  # fmt: skip
        return key

    def _product(
        self, namespace: str, name: str, version: str, content: bytes, authors: list[str]
    ) -> str:
        uid = str(uuid.uuid4())
        csv = self._file_type(*STATIC_FILE_TYPES[0])
        obj = self._object(uid, self._location(content), csv, authors)
        self._add(f"product:{uid}", "data_product", name=name, version=version, object=obj,
                  namespace=namespace)  # fmt: skip
        return f"component:{uid}"

    def _input(self, team: str, j: int, author: str, file_type: str) -> str:
        """Input j of this epoch: the same record (object uuid, file) in every user's closure."""
        name = f"inputs/e{self.epoch}/i{j}"
        uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fdp-bench:{team}:{name}"))
        content = f"input {self.epoch} {j}\n".encode()
        obj = self._object(uid, self._location(content), file_type, [author])
        self._add(f"product:{uid}", "data_product", name=name, version="1.0.0", object=obj,
                  namespace=team)  # fmt: skip
        return f"component:{uid}"

    def _code_run(self, inputs: list[str], outputs: list[str], author: str) -> None:
        commit = hashlib.sha1(f"commit {self.epoch % 3}".encode()).hexdigest()
        repo_location = self._add(
            f"location:repo:{commit}", "storage_location", path=commit, hash=commit,
            public=True, storage_root="root:repo",
        )  # fmt: skip
        yaml = self._file_type(*STATIC_FILE_TYPES[1])
        script = self._file_type(*STATIC_FILE_TYPES[2])
        run = f"{self.user.name} {self.serial}"
        repo = self._object(str(uuid.uuid4()), repo_location, yaml, [author])
        config = self._object(
            str(uuid.uuid4()), self._location(f"config of {run}\n".encode()), yaml, [author]
        )
        submission = self._object(
            str(uuid.uuid4()), self._location(f"script of {run}\n".encode()), script, [author]
        )
        uid = str(uuid.uuid4())
        self._add(f"code_run:{uid}", "code_run", uuid=uid,
                  run_date=datetime.now(UTC).isoformat(), description=f"bench run {run}",
                  code_repo=repo, model_config=config, submission_script=submission,
                  inputs=inputs, outputs=outputs)  # fmt: skip


def add_pushers(database_url: str, count: int) -> list[Pusher]:
    """`count` users with their own tokens (`fdpd registry add-user`, four at a time)."""
    names = [f"user-{i:02d}" for i in range(count)]
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda name: add_registry_user(database_url, name), names))
    return [
        Pusher(name, token, i) for i, (name, token) in enumerate(zip(names, tokens, strict=True))
    ]


def client_for(user: Pusher, remote_url: str, stats: PushStats) -> RegistryClient:
    return RegistryClient(remote_url, user.token, name=user.name, transport=TimedTransport(stats))


async def push_closure(
    client: RegistryClient, closure: Closure, memory: UserMemory, folder: Path
) -> tuple[CopyResult, int]:
    """Files first, then records, as `fdpd.sync.push` does; (copy result, files uploaded)."""
    limit = asyncio.Semaphore(UPLOAD_CONCURRENCY)

    async def send(sha1: str, content: bytes) -> bool:
        path = folder / sha1
        if not path.exists():
            path.write_bytes(content)
        async with limit:
            return await upload(client, path, sha1)

    sent = await asyncio.gather(*(send(sha1, data) for sha1, data in closure.files.items()))
    copier = GraphCopier(client, memory)
    result = await copier.copy(closure.graph, set(closure.graph.nodes))
    return result, sum(sent)


async def push_setup(users: list[Pusher], remote_url: str, stats: PushStats) -> None:
    """All users create the shared namespaces and file types at the same instant."""

    async def one(user: Pusher) -> None:
        async with client_for(user, remote_url, stats) as client:
            graph = ClosureBuilder(user, client.root_url + "data/", 0, -1).build_setup()
            result = await GraphCopier(client, UserMemory()).copy(graph, set(graph.nodes))
            stats.failures += [f"{user.name} setup: {k}: {why}" for k, why in result.failed.items()]

    await asyncio.gather(*(one(user) for user in users))


def grant_team_namespaces(database_url: str, users: list[Pusher]) -> None:
    """What the team's administrator does once: `fdpd registry grant team-N USER`."""
    for namespace in TEAM_NAMESPACES:
        for user in users:
            grant_namespace(database_url, namespace, user.name)


async def push_until(
    users: list[Pusher],
    remote_url: str,
    folder: Path,
    *,
    started: float,
    seconds: float,
    epoch_seconds: float,
) -> PushStats:
    """Every user pushes closure after closure until `started + seconds` (wall clock)."""
    stats = PushStats()
    await asyncio.gather(
        *(
            _user_loop(user, remote_url, folder, stats, started, seconds, epoch_seconds)
            for user in users
        )
    )
    return stats


async def _user_loop(
    user: Pusher,
    remote_url: str,
    folder: Path,
    stats: PushStats,
    started: float,
    seconds: float,
    epoch_seconds: float,
) -> None:
    memory = UserMemory()
    serial = 0
    async with client_for(user, remote_url, stats) as client:
        remote_root = client.root_url + "data/"
        while time.time() < started + seconds:
            epoch = int((time.time() - started) // epoch_seconds)
            closure = ClosureBuilder(user, remote_root, epoch, serial).build()
            began = time.perf_counter()
            try:
                result, uploaded = await push_closure(client, closure, memory, folder)
            except Exception as error:  # every failure is counted and reported
                stats.failures.append(f"{user.name} push {serial}: {error!r}")
            else:
                stats.push_seconds.append(time.perf_counter() - began)
                stats.records_created += result.created
                stats.files_uploaded += uploaded
                for key, why in result.failed.items():
                    stats.failures.append(f"{user.name} push {serial}: {key}: {why}")
            serial += 1


# Natural keys that must never be stored twice (one query each: the keys seen more than once).
DUPLICATE_QUERIES = {
    "namespace (name)": "SELECT name FROM namespace GROUP BY name HAVING count(*) > 1",
    "file_type (name, extension)":
        "SELECT name, extension FROM file_type GROUP BY name, extension HAVING count(*) > 1",
    "author (uuid)": "SELECT uuid FROM author GROUP BY uuid HAVING count(*) > 1",
    "author (identifier)": "SELECT identifier FROM author WHERE identifier IS NOT NULL "
        "GROUP BY identifier HAVING count(*) > 1",
    "storage_root (root)": "SELECT root FROM storage_root GROUP BY root HAVING count(*) > 1",
    "storage_location (root, hash, public)": "SELECT storage_root_id, hash, public "
        "FROM storage_location GROUP BY storage_root_id, hash, public HAVING count(*) > 1",
    "object (uuid)": "SELECT uuid FROM object GROUP BY uuid HAVING count(*) > 1",
    "object_component (object, name)": "SELECT object_id, name FROM object_component "
        "GROUP BY object_id, name HAVING count(*) > 1",
    "data_product (namespace, name, version)": "SELECT namespace_id, name, version "
        "FROM data_product GROUP BY namespace_id, name, version HAVING count(*) > 1",
    "code_run (uuid)": "SELECT uuid FROM code_run GROUP BY uuid HAVING count(*) > 1",
    "namespace_grant (namespace, user)": "SELECT namespace_id, user_id FROM namespace_grant "
        "GROUP BY namespace_id, user_id HAVING count(*) > 1",
    "object without one whole_object component": "SELECT o.id FROM object o "
        "LEFT JOIN object_component c ON c.object_id = o.id AND c.whole_object "
        "GROUP BY o.id HAVING count(c.id) <> 1",
}  # fmt: skip


def duplicate_natural_keys(database_url: str) -> dict[str, int]:
    """For each natural key of DUPLICATE_QUERIES, how many of its values are stored twice."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                label: len(conn.execute(text(query)).all())
                for label, query in DUPLICATE_QUERIES.items()
            }
    finally:
        engine.dispose()


def record_counts(database_url: str) -> dict[str, int]:
    tables = ("namespace", "author", "file_type", "storage_location", "object", "data_product",
              "code_run")  # fmt: skip
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
            }
    finally:
        engine.dispose()
