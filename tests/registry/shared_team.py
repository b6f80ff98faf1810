"""A shared registry (`--shared`) with users alice, eve and admin, served in process over ASGI
(`shared_team`): each user has a client with their own token, and helpers to make what a user's
push makes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from fdpregistry.app import create_app
from fdpregistry.auth import create_user
from fdpregistry.ownership import grant
from fdpregistry.settings import RegistrySettings
from tests.housekeeping.inprocess import _SyncASGI
from tests.registry.conftest import ACCEPT, unique

BASE = "http://registry.test"  # only a name: the app is called in process
USERS = ("alice", "eve")


@dataclass(frozen=True)
class Product:
    """A data product and the records it stands on (absolute links)."""

    url: str
    object: str
    component: str  # the object's whole_object component
    namespace: str


class Team:
    """Clients of one shared registry, by user name (`admin` included)."""

    def __init__(self, clients: dict[str, httpx.Client], engine: Engine | None = None) -> None:
        self.clients = clients
        self.engine = engine  # in process only

    def grant(self, namespace: str, user: str) -> None:
        """What `fdpd registry grant` does (in process only)."""
        assert self.engine is not None
        name = self.get(namespace)["name"]
        with self.engine.connect() as conn:
            assert grant(conn, name, user)

    def create(self, who: str, type_name: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.clients[who].post(f"/api/{type_name}/", json=body)
        assert answer.status_code == 201, (who, type_name, body, answer.text)
        record = answer.json()
        assert isinstance(record, dict)
        return record

    def get(self, link: str) -> dict[str, Any]:
        answer = self.clients["admin"].get(path(link))
        assert answer.status_code == 200, (link, answer.text)
        record = answer.json()
        assert isinstance(record, dict)
        return record

    def namespace(self, who: str) -> str:
        return str(self.create(who, "namespace", {"name": unique(who)})["url"])

    def product(self, who: str, namespace: str | None = None) -> Product:
        """What a push of one data product makes: root, location, object, product."""
        namespace = namespace or self.namespace(who)
        root = self.create(who, "storage_root", {"root": f"https://{unique()}.example.org/"})
        location = self.create(
            who,
            "storage_location",
            {"path": unique(), "hash": unique(), "storage_root": root["url"]},
        )
        obj = self.create(who, "object", {"storage_location": location["url"]})
        body = {"name": unique("p"), "version": "1.0.0", "object": obj["url"]}
        product = self.create(who, "data_product", {**body, "namespace": namespace})
        return Product(product["url"], obj["url"], obj["components"][0], namespace)

    def script(self, who: str) -> str:
        """An object standing for a submission script of `who`."""
        return str(self.create(who, "object", {"description": unique("script")})["url"])

    def code_run(self, who: str, **links: Any) -> httpx.Response:
        body = {"run_date": "2026-01-02T03:04:05Z", "description": unique("run"), **links}
        body.setdefault("submission_script", self.script(who))
        return self.clients[who].post("/api/code_run/", json=body)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def path(link: str) -> str:
    """`/api/<type>/<id>/` of an absolute link."""
    return "/api/" + link.split("/api/", 1)[1]


def record_id(link: str) -> int:
    return int(link.rstrip("/").rsplit("/", 1)[1])


def client(base_url: str, key: str, transport: httpx.BaseTransport) -> httpx.Client:
    headers = {"Authorization": f"token {key}", "Accept": ACCEPT}
    return httpx.Client(base_url=base_url, headers=headers, transport=transport)


@contextmanager
def shared_team(folder: Path) -> Iterator[Team]:
    """A shared registry app over a new SQLite file in `folder`, called in process."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = RegistrySettings(
        database_url=f"sqlite:///{folder / 'registry.db'}",
        shared=True,
        admin_token_file=folder / "admin-token",
    )
    app = create_app(settings)
    keys = {"admin": (folder / "admin-token").read_text().strip()}
    with Session(app.state.engine) as session:
        keys |= {name: create_user(session, name) for name in USERS}
    transport = _SyncASGI(app)
    team = Team(
        {name: client(BASE, key, transport) for name, key in keys.items()}, app.state.engine
    )
    try:
        yield team
    finally:
        team.close()
        app.state.engine.dispose()
