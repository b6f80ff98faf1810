"""Write registry records straight into a registry database, for tests of the read-only routes.

The rows are written into the registry's own tables with its engine (no REST round trips), so
the special routes can be tested independently of the model routes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from fdpregistry.auth import ensure_user
from fdpregistry.database import inserted_id, make_engine
from fdpregistry.migrations import upgrade
from fdpregistry.models import User, table_named


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class RecordWriter:
    """Adds records as `user` (created when missing) and commits each one."""

    def __init__(self, database_url: str, username: str = "admin") -> None:
        self.engine = make_engine(database_url)
        upgrade(self.engine)
        with Session(self.engine) as session:
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                user = ensure_user(session, username)
                session.commit()
            assert user.id is not None
            self.user_id: int = user.id

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """The records added inside are committed together at its end (many rows in seconds)."""
        with Session(self.engine) as session:
            self._batch = session
            try:
                yield
                session.commit()
            finally:
                self._batch = None

    _batch: Session | None = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """The open transaction's session, else a new one committed at the end."""
        if self._batch is not None:
            yield self._batch
            self._batch.flush()
            return
        with Session(self.engine) as session:
            yield session
            session.commit()

    def add(self, table_name: str, **values: Any) -> int:
        """Insert one row of a record type's table (with `last_updated`, `updated_by_id` and a
        `uuid` when the table has them); its id."""
        table = table_named(table_name)
        if "last_updated" in table.c:
            values.setdefault("last_updated", now())
        if "updated_by_id" in table.c:
            values.setdefault("updated_by_id", self.user_id)
        if "uuid" in table.c:
            values.setdefault("uuid", str(uuid.uuid4()))
        with self._session() as session:
            return inserted_id(session.connection().execute(insert(table).values(**values)))

    def link(self, table_name: str, **values: int) -> None:
        with self._session() as session:
            session.connection().execute(insert(table_named(table_name)).values(**values))

    def _existing(self, table_name: str, **values: Any) -> int | None:
        table = table_named(table_name)
        with self._session() as session:
            query = select(table.c.id).filter_by(**values)
            found = session.connection().execute(query).scalar()
            return int(found) if found is not None else None

    def _get_or_add(self, table_name: str, key: dict[str, Any], **values: Any) -> int:
        found = self._existing(table_name, **key)
        return found if found is not None else self.add(table_name, **key, **values)

    def root(self, root: str, local: bool = False) -> int:
        return self._get_or_add("storage_root", {"root": root}, local=local)

    def namespace(self, name: str) -> int:
        return self._get_or_add("namespace", {"name": name})

    def file_type(self, extension: str) -> int:
        return self._get_or_add("file_type", {"name": extension, "extension": extension})

    def location(self, root: str, path: str, content_hash: str, public: bool = True) -> int:
        return self.add(
            "storage_location",
            path=path,
            hash=content_hash,
            public=public,
            storage_root_id=self.root(root, local=root.startswith("file://")),
        )

    def object(
        self,
        location_id: int | None,
        extension: str | None = None,
        description: str | None = None,
        authors: tuple[int, ...] = (),
    ) -> tuple[int, int]:
        """An object and its `whole_object` component: (object id, component id)."""
        object_id = self.add(
            "object",
            description=description,
            storage_location_id=location_id,
            file_type_id=self.file_type(extension) if extension else None,
        )
        component_id = self.add(
            "object_component", name="whole_object", whole_object=True, object_id=object_id
        )
        for author_id in authors:
            self.link("object_authors", object_id=object_id, author_id=author_id)
        return object_id, component_id

    def data_product(self, namespace: str, name: str, version: str, object_id: int) -> int:
        return self.add(
            "data_product",
            name=name,
            version=version,
            object_id=object_id,
            namespace_id=self.namespace(namespace),
        )

    def code_run(
        self,
        description: str,
        script_object: int,
        inputs: tuple[int, ...] = (),
        outputs: tuple[int, ...] = (),
        model_config: int | None = None,
        code_repo: int | None = None,
    ) -> int:
        run_id = self.add(
            "code_run",
            run_date=now(),
            description=description,
            submission_script_id=script_object,
            model_config_id=model_config,
            code_repo_id=code_repo,
        )
        for component in inputs:
            self.link("code_run_inputs", code_run_id=run_id, component_id=component)
        for component in outputs:
            self.link("code_run_outputs", code_run_id=run_id, component_id=component)
        return run_id
