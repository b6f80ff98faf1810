"""The registry's tables, one SQLModel class per record type of the REST API (docs/registry-api.md).

Column naming: a to-one relation `x` is the column `x_id`; to-many relations live in the
association tables at the end. Every type carries `last_updated` and `updated_by_id`.
Datetimes are timezone-aware UTC; uuids as canonical lowercase strings.

Uniqueness that the API reports itself (409/400) is checked by the write path before inserting;
the constraints here are the safety net. Very long text columns (`identifier`, up to 1 MiB) get a
unique index on SQLite only: PostgreSQL B-tree entries are limited to ~2.7 kB, so there they get a
hash index for look-ups and uniqueness is enforced by the write path alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, MetaData, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class RegistryModel(SQLModel):
    """Base of the registry's tables: their own metadata, so creating the registry's schema
    never creates another SQLModel user's tables (fdpd's journal) in the registry database."""

    metadata = MetaData()


_AUTOINCREMENT = {"sqlite_autoincrement": True}  # ids are never reused (code runs can be deleted)


def _long_text_index(table: str, column: str, *, unique: bool) -> tuple[Index, Index]:
    """A (unique) B-tree index on SQLite and a hash index on PostgreSQL for a long text column."""
    sqlite_index = Index(f"ix_{table}_{column}", column, unique=unique).ddl_if(dialect="sqlite")
    pg_index = Index(f"ixh_{table}_{column}", column, postgresql_using="hash").ddl_if(
        dialect="postgresql"
    )
    return sqlite_index, pg_index


def _pattern_index(table: str, column: str) -> Index:
    """B-tree index usable for equality and prefix globs on both backends."""
    return Index(f"ixp_{table}_{column}", column, postgresql_ops={column: "text_pattern_ops"})


class User(RegistryModel, table=True):
    __tablename__ = "registry_user"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=150)
    full_name: str | None = Field(default=None)
    email: str | None = Field(default=None)


class ApiToken(RegistryModel, table=True):
    """An API key, stored as the SHA-256 hex digest of the 40-hex-character key."""

    __tablename__ = "registry_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="registry_user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created: datetime


class Group(RegistryModel, table=True):
    __tablename__ = "registry_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=150)


class StorageRoot(RegistryModel, table=True):
    __tablename__ = "storage_root"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    root: str = Field(unique=True)
    local: bool = False


class StorageLocation(RegistryModel, table=True):
    __tablename__ = "storage_location"
    __table_args__ = (
        UniqueConstraint("storage_root_id", "hash", "public", name="uq_storage_location"),
        Index("ix_storage_location_hash", "hash"),
        Index("ix_storage_location_public", "public"),  # the web view's privacy filter
        *_long_text_index("storage_location", "path", unique=False),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    path: str = Field(sa_type=Text)
    hash: str
    public: bool = True
    storage_root_id: int = Field(foreign_key="storage_root.id", index=True)


class FileType(RegistryModel, table=True):
    __tablename__ = "file_type"
    __table_args__ = (
        UniqueConstraint("name", "extension", name="uq_file_type"),
        Index("ix_file_type_extension", "extension"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    name: str
    extension: str


class Namespace(RegistryModel, table=True):
    __tablename__ = "namespace"
    __table_args__ = (_pattern_index("namespace", "name"), _AUTOINCREMENT)

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    name: str = Field(unique=True)
    full_name: str | None = Field(default=None, unique=True)
    website: str | None = Field(default=None)


class NamespaceGrant(RegistryModel, table=True):
    """A user who may write a namespace in a shared registry (its creator, and users granted)."""

    __tablename__ = "namespace_grant"
    __table_args__ = (UniqueConstraint("namespace_id", "user_id", name="uq_namespace_grant"),)

    id: int | None = Field(default=None, primary_key=True)
    namespace_id: int = Field(foreign_key="namespace.id", index=True)
    user_id: int = Field(foreign_key="registry_user.id", index=True)


class Author(RegistryModel, table=True):
    __tablename__ = "author"
    __table_args__ = (
        CheckConstraint(
            "identifier IS NOT NULL OR name IS NOT NULL",
            name="data_management_author_identifier_and_or_name",
        ),
        _pattern_index("author", "name"),
        *_long_text_index("author", "identifier", unique=True),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(unique=True, max_length=36)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    name: str | None = Field(default=None)
    identifier: str | None = Field(default=None, sa_type=Text)


class Object(RegistryModel, table=True):
    __tablename__ = "object"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(unique=True, max_length=36)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    description: str | None = Field(default=None, sa_type=Text)
    storage_location_id: int | None = Field(
        default=None, foreign_key="storage_location.id", index=True
    )
    file_type_id: int | None = Field(default=None, foreign_key="file_type.id", index=True)


class ObjectComponent(RegistryModel, table=True):
    __tablename__ = "object_component"
    __table_args__ = (
        UniqueConstraint("object_id", "name", name="uq_object_component"),
        _pattern_index("object_component", "name"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    name: str
    description: str | None = Field(default=None, sa_type=Text)
    whole_object: bool = False
    object_id: int = Field(foreign_key="object.id", index=True)


class DataProduct(RegistryModel, table=True):
    __tablename__ = "data_product"
    __table_args__ = (
        UniqueConstraint("namespace_id", "name", "version", name="uq_data_product"),
        _pattern_index("data_product", "name"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    name: str
    version: str
    object_id: int = Field(foreign_key="object.id", index=True)
    namespace_id: int = Field(foreign_key="namespace.id", index=True)


class ExternalObject(RegistryModel, table=True):
    __tablename__ = "external_object"
    __table_args__ = (
        CheckConstraint(
            "identifier IS NOT NULL OR "
            "(alternate_identifier IS NOT NULL AND alternate_identifier_type IS NOT NULL)",
            name="externalobject_identifier_or_alternate_identifier",
        ),
        *_long_text_index("external_object", "identifier", unique=False),
        Index("ix_external_object_title", "title"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    identifier: str | None = Field(default=None, sa_type=Text)
    alternate_identifier: str | None = Field(default=None, index=True)
    alternate_identifier_type: str | None = Field(default=None)
    primary_not_supplement: bool = True
    release_date: datetime
    title: str
    description: str | None = Field(default=None, sa_type=Text)
    version: str
    data_product_id: int = Field(foreign_key="data_product.id", unique=True)
    original_store_id: int | None = Field(
        default=None, foreign_key="storage_location.id", index=True
    )


class CodeRun(RegistryModel, table=True):
    __tablename__ = "code_run"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(unique=True, max_length=36)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    run_date: datetime = Field(index=True)
    description: str
    code_repo_id: int | None = Field(default=None, foreign_key="object.id", index=True)
    model_config_id: int | None = Field(default=None, foreign_key="object.id", index=True)
    submission_script_id: int = Field(foreign_key="object.id", index=True)


class Issue(RegistryModel, table=True):
    __tablename__ = "issue"
    __table_args__ = (CheckConstraint("severity >= 0", name="severity"), _AUTOINCREMENT)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(unique=True, max_length=36)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    severity: int = 1
    description: str = Field(sa_type=Text)


class UserAuthor(RegistryModel, table=True):
    __tablename__ = "user_author"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    user_id: int = Field(foreign_key="registry_user.id", unique=True)
    author_id: int = Field(foreign_key="author.id", index=True)


class Keyword(RegistryModel, table=True):
    __tablename__ = "keyword"
    __table_args__ = (
        UniqueConstraint("object_id", "keyphrase", name="uq_keyword"),
        _pattern_index("keyword", "keyphrase"),
        *_long_text_index("keyword", "identifier", unique=True),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    keyphrase: str
    identifier: str | None = Field(default=None, sa_type=Text)
    object_id: int = Field(foreign_key="object.id", index=True)


class Licence(RegistryModel, table=True):
    __tablename__ = "licence"
    __table_args__ = (*_long_text_index("licence", "identifier", unique=True), _AUTOINCREMENT)

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    licence_info: str = Field(sa_type=Text)
    identifier: str | None = Field(default=None, sa_type=Text)
    object_id: int = Field(foreign_key="object.id", index=True)


class KeyValue(RegistryModel, table=True):
    __tablename__ = "key_value"
    __table_args__ = (UniqueConstraint("object_id", "key", name="uq_key_value"), _AUTOINCREMENT)

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    key: str
    value: str
    object_id: int = Field(foreign_key="object.id", index=True)


class CodeRepoRelease(RegistryModel, table=True):
    __tablename__ = "code_repo_release"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_code_repo_release"),
        _pattern_index("code_repo_release", "name"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    name: str
    version: str
    website: str | None = Field(default=None)
    object_id: int = Field(foreign_key="object.id", unique=True)


class QualityControlled(RegistryModel, table=True):
    __tablename__ = "quality_controlled"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    last_updated: datetime
    updated_by_id: int = Field(foreign_key="registry_user.id", index=True)
    object_id: int = Field(foreign_key="object.id", unique=True)
    document_id: int = Field(foreign_key="object.id", index=True)


# --- association tables of the to-many relations ---------------------------------------------


class ObjectAuthor(RegistryModel, table=True):
    """object.authors"""

    __tablename__ = "object_authors"

    object_id: int = Field(foreign_key="object.id", primary_key=True)
    author_id: int = Field(foreign_key="author.id", primary_key=True, index=True)


class ComponentIssue(RegistryModel, table=True):
    """object_component.issues, seen from the issue as issue.component_issues"""

    __tablename__ = "object_component_issues"

    component_id: int = Field(foreign_key="object_component.id", primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", primary_key=True, index=True)


class CodeRunInput(RegistryModel, table=True):
    """code_run.inputs, seen from the component as object_component.inputs_of"""

    __tablename__ = "code_run_inputs"

    code_run_id: int = Field(foreign_key="code_run.id", primary_key=True)
    component_id: int = Field(foreign_key="object_component.id", primary_key=True, index=True)


class CodeRunOutput(RegistryModel, table=True):
    """code_run.outputs, seen from the component as object_component.outputs_of"""

    __tablename__ = "code_run_outputs"

    code_run_id: int = Field(foreign_key="code_run.id", primary_key=True)
    component_id: int = Field(foreign_key="object_component.id", primary_key=True, index=True)


def table_of(model: type[RegistryModel]) -> Table:
    """The Core table of a model class (the read and write paths use Core for speed)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


# --- fdp's extension (not a record type of the REST API; docs/registry-api.md) ------------------


class FdpRerun(RegistryModel, table=True):
    """A verdict of `fdpctl rerun`, recorded by fdpd in its local registry through `POST
    /fdp/reruns` so that the web view's code-run page shows it. Keyed by the code run's uuid, not
    a link: the code run may be deleted and pulled again (same uuid, same run), and the row never
    blocks removing it. Never pushed: it is what this machine found, not part of the run."""

    __tablename__ = "fdp_rerun"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    code_run_uuid: str = Field(max_length=36, index=True)
    ended: datetime
    username: str = Field(max_length=150)  # the fdp user who reran it
    verdict: str = Field(max_length=16)  # identical, differs, failed
    identical: int
    outputs: int
    job: str = Field(max_length=64)  # the rerun's job on that machine
    kept: bool = False
    new_code_run_uuid: str | None = Field(default=None, max_length=36)  # with --keep
