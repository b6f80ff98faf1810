"""The registry's schema as fdp made it before it had migrations: 25 tables.

Frozen: a change to the schema is a new revision, never an edit here. Each table (with its
indexes) is created only when missing, so a database made before migrations existed (no
`alembic_version` table; `create_all` made it) upgrades from here without loss, as does one
made by an older release that lacked a table. Long text columns get a unique B-tree index on
SQLite and a hash index on PostgreSQL (fdpregistry/models.py says why).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _table(name: str, *elements: Any, **options: Any) -> bool:
    """Create table `name` unless it exists; whether it was created (its indexes follow)."""
    if sa.inspect(op.get_bind()).has_table(name):
        return False
    op.create_table(name, *elements, **options)
    return True


def _long_text_index(table: str, column: str, *, unique: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(f"ixh_{table}_{column}", table, [column], postgresql_using="hash")
    else:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=unique)


def upgrade() -> None:
    _table(
        "registry_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    _table(
        "registry_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("full_name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
        sqlite_autoincrement=True,
    )
    if _table(
        "author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "identifier IS NOT NULL OR name IS NOT NULL",
            name="data_management_author_identifier_and_or_name",
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sqlite_autoincrement=True,
    ):
        _long_text_index("author", "identifier", unique=True)
        op.create_index("ix_author_updated_by_id", "author", ["updated_by_id"], unique=False)
        op.create_index(
            "ixp_author_name",
            "author",
            ["name"],
            unique=False,
            postgresql_ops={"name": "text_pattern_ops"},
        )
    if _table(
        "file_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("extension", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "extension", name="uq_file_type"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_file_type_extension", "file_type", ["extension"], unique=False)
        op.create_index("ix_file_type_updated_by_id", "file_type", ["updated_by_id"], unique=False)
    if _table(
        "issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.CheckConstraint("severity >= 0", name="severity"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_issue_updated_by_id", "issue", ["updated_by_id"], unique=False)
    if _table(
        "namespace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=True),
        sa.Column("website", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("full_name"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_namespace_updated_by_id", "namespace", ["updated_by_id"], unique=False)
        op.create_index(
            "ixp_namespace_name",
            "namespace",
            ["name"],
            unique=False,
            postgresql_ops={"name": "text_pattern_ops"},
        )
    if _table(
        "registry_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    ):
        op.create_index("ix_registry_token_user_id", "registry_token", ["user_id"], unique=False)
    if _table(
        "storage_root",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("root"),
        sqlite_autoincrement=True,
    ):
        op.create_index(
            "ix_storage_root_updated_by_id", "storage_root", ["updated_by_id"], unique=False
        )
    if _table(
        "namespace_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["namespace_id"], ["namespace.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("namespace_id", "user_id", name="uq_namespace_grant"),
    ):
        op.create_index(
            "ix_namespace_grant_namespace_id", "namespace_grant", ["namespace_id"], unique=False
        )
        op.create_index("ix_namespace_grant_user_id", "namespace_grant", ["user_id"], unique=False)
    if _table(
        "storage_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("storage_root_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["storage_root_id"], ["storage_root.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_root_id", "hash", "public", name="uq_storage_location"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_storage_location_hash", "storage_location", ["hash"], unique=False)
        _long_text_index("storage_location", "path", unique=False)
        op.create_index(
            "ix_storage_location_storage_root_id",
            "storage_location",
            ["storage_root_id"],
            unique=False,
        )
        op.create_index(
            "ix_storage_location_updated_by_id", "storage_location", ["updated_by_id"], unique=False
        )
    if _table(
        "user_author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["author.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_user_author_author_id", "user_author", ["author_id"], unique=False)
        op.create_index(
            "ix_user_author_updated_by_id", "user_author", ["updated_by_id"], unique=False
        )
    if _table(
        "object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("storage_location_id", sa.Integer(), nullable=True),
        sa.Column("file_type_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["file_type_id"], ["file_type.id"]),
        sa.ForeignKeyConstraint(["storage_location_id"], ["storage_location.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_object_file_type_id", "object", ["file_type_id"], unique=False)
        op.create_index(
            "ix_object_storage_location_id", "object", ["storage_location_id"], unique=False
        )
        op.create_index("ix_object_updated_by_id", "object", ["updated_by_id"], unique=False)
    if _table(
        "code_repo_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("website", sa.String(), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version", name="uq_code_repo_release"),
        sa.UniqueConstraint("object_id"),
        sqlite_autoincrement=True,
    ):
        op.create_index(
            "ix_code_repo_release_updated_by_id",
            "code_repo_release",
            ["updated_by_id"],
            unique=False,
        )
        op.create_index(
            "ixp_code_repo_release_name",
            "code_repo_release",
            ["name"],
            unique=False,
            postgresql_ops={"name": "text_pattern_ops"},
        )
    if _table(
        "code_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("run_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("code_repo_id", sa.Integer(), nullable=True),
        sa.Column("model_config_id", sa.Integer(), nullable=True),
        sa.Column("submission_script_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["code_repo_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["model_config_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["submission_script_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_code_run_code_repo_id", "code_run", ["code_repo_id"], unique=False)
        op.create_index(
            "ix_code_run_model_config_id", "code_run", ["model_config_id"], unique=False
        )
        op.create_index("ix_code_run_run_date", "code_run", ["run_date"], unique=False)
        op.create_index(
            "ix_code_run_submission_script_id", "code_run", ["submission_script_id"], unique=False
        )
        op.create_index("ix_code_run_updated_by_id", "code_run", ["updated_by_id"], unique=False)
    if _table(
        "data_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["namespace_id"], ["namespace.id"]),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("namespace_id", "name", "version", name="uq_data_product"),
        sqlite_autoincrement=True,
    ):
        op.create_index(
            "ix_data_product_namespace_id", "data_product", ["namespace_id"], unique=False
        )
        op.create_index("ix_data_product_object_id", "data_product", ["object_id"], unique=False)
        op.create_index(
            "ix_data_product_updated_by_id", "data_product", ["updated_by_id"], unique=False
        )
        op.create_index(
            "ixp_data_product_name",
            "data_product",
            ["name"],
            unique=False,
            postgresql_ops={"name": "text_pattern_ops"},
        )
    if _table(
        "key_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_id", "key", name="uq_key_value"),
        sqlite_autoincrement=True,
    ):
        op.create_index("ix_key_value_object_id", "key_value", ["object_id"], unique=False)
        op.create_index("ix_key_value_updated_by_id", "key_value", ["updated_by_id"], unique=False)
    if _table(
        "keyword",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("keyphrase", sa.String(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_id", "keyphrase", name="uq_keyword"),
        sqlite_autoincrement=True,
    ):
        _long_text_index("keyword", "identifier", unique=True)
        op.create_index("ix_keyword_object_id", "keyword", ["object_id"], unique=False)
        op.create_index("ix_keyword_updated_by_id", "keyword", ["updated_by_id"], unique=False)
        op.create_index(
            "ixp_keyword_keyphrase",
            "keyword",
            ["keyphrase"],
            unique=False,
            postgresql_ops={"keyphrase": "text_pattern_ops"},
        )
    if _table(
        "licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("licence_info", sa.Text(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    ):
        _long_text_index("licence", "identifier", unique=True)
        op.create_index("ix_licence_object_id", "licence", ["object_id"], unique=False)
        op.create_index("ix_licence_updated_by_id", "licence", ["updated_by_id"], unique=False)
    if _table(
        "object_authors",
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["author.id"]),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.PrimaryKeyConstraint("object_id", "author_id"),
    ):
        op.create_index(
            "ix_object_authors_author_id", "object_authors", ["author_id"], unique=False
        )
    if _table(
        "object_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("whole_object", sa.Boolean(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_id", "name", name="uq_object_component"),
        sqlite_autoincrement=True,
    ):
        op.create_index(
            "ix_object_component_object_id", "object_component", ["object_id"], unique=False
        )
        op.create_index(
            "ix_object_component_updated_by_id", "object_component", ["updated_by_id"], unique=False
        )
        op.create_index(
            "ixp_object_component_name",
            "object_component",
            ["name"],
            unique=False,
            postgresql_ops={"name": "text_pattern_ops"},
        )
    if _table(
        "quality_controlled",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["object_id"], ["object.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_id"),
        sqlite_autoincrement=True,
    ):
        op.create_index(
            "ix_quality_controlled_document_id", "quality_controlled", ["document_id"], unique=False
        )
        op.create_index(
            "ix_quality_controlled_updated_by_id",
            "quality_controlled",
            ["updated_by_id"],
            unique=False,
        )
    if _table(
        "code_run_inputs",
        sa.Column("code_run_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["code_run_id"], ["code_run.id"]),
        sa.ForeignKeyConstraint(["component_id"], ["object_component.id"]),
        sa.PrimaryKeyConstraint("code_run_id", "component_id"),
    ):
        op.create_index(
            "ix_code_run_inputs_component_id", "code_run_inputs", ["component_id"], unique=False
        )
    if _table(
        "code_run_outputs",
        sa.Column("code_run_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["code_run_id"], ["code_run.id"]),
        sa.ForeignKeyConstraint(["component_id"], ["object_component.id"]),
        sa.PrimaryKeyConstraint("code_run_id", "component_id"),
    ):
        op.create_index(
            "ix_code_run_outputs_component_id", "code_run_outputs", ["component_id"], unique=False
        )
    if _table(
        "external_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("alternate_identifier", sa.String(), nullable=True),
        sa.Column("alternate_identifier_type", sa.String(), nullable=True),
        sa.Column("primary_not_supplement", sa.Boolean(), nullable=False),
        sa.Column("release_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("data_product_id", sa.Integer(), nullable=False),
        sa.Column("original_store_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "identifier IS NOT NULL OR "
            "(alternate_identifier IS NOT NULL AND alternate_identifier_type IS NOT NULL)",
            name="externalobject_identifier_or_alternate_identifier",
        ),
        sa.ForeignKeyConstraint(["data_product_id"], ["data_product.id"]),
        sa.ForeignKeyConstraint(["original_store_id"], ["storage_location.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["registry_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("data_product_id"),
        sqlite_autoincrement=True,
    ):
        op.create_index(
            "ix_external_object_alternate_identifier",
            "external_object",
            ["alternate_identifier"],
            unique=False,
        )
        _long_text_index("external_object", "identifier", unique=False)
        op.create_index(
            "ix_external_object_original_store_id",
            "external_object",
            ["original_store_id"],
            unique=False,
        )
        op.create_index("ix_external_object_title", "external_object", ["title"], unique=False)
        op.create_index(
            "ix_external_object_updated_by_id", "external_object", ["updated_by_id"], unique=False
        )
    if _table(
        "object_component_issues",
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["component_id"], ["object_component.id"]),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"]),
        sa.PrimaryKeyConstraint("component_id", "issue_id"),
    ):
        op.create_index(
            "ix_object_component_issues_issue_id",
            "object_component_issues",
            ["issue_id"],
            unique=False,
        )
