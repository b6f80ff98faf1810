"""What the sync engine knows about each record type (docs/registry-api.md).

Per type: which links are dependencies (must exist on the destination first), which links only
pull related records into a closure, which fields are copied, and the natural key that finds an
existing copy. Users, groups and user_author are per-registry and never copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TypeInfo:
    name: str
    # Writable fields sent on create; links among them are rewritten to destination URLs.
    fields: tuple[str, ...]
    to_one: tuple[str, ...] = ()
    to_many: tuple[str, ...] = ()
    # Links followed only to widen a closure (reverse sides and attachments of a record).
    related: tuple[str, ...] = ()
    # Fields that identify an existing copy on the destination.
    key: tuple[str, ...] = ()
    # Natural key is a uuid kept verbatim across registries: create first, look up on 409.
    uuid_keyed: bool = False
    # The link whose id narrows the look-up list to one parent (all children in one query).
    lookup_parent: str | None = None
    # Further filters (natural-key fields) added to that look-up query.
    lookup_filters: tuple[str, ...] = ()
    # Links set after creation by PATCH, as the union of both sides' sets.
    patchable_sets: tuple[str, ...] = field(default=())

    @property
    def links(self) -> tuple[str, ...]:
        return self.to_one + self.to_many


TYPES: dict[str, TypeInfo] = {
    info.name: info
    for info in (
        TypeInfo(
            "namespace", ("name", "full_name", "website"), key=("name",), lookup_filters=("name",)
        ),
        TypeInfo("storage_root", ("root", "local"), key=("root",), lookup_filters=("root",)),
        TypeInfo(
            "file_type",
            ("name", "extension"),
            key=("name", "extension"),
            lookup_filters=("name", "extension"),
        ),
        TypeInfo(
            "author",
            ("name", "identifier", "uuid"),
            key=("uuid",),
            uuid_keyed=True,
            lookup_filters=("uuid",),
        ),
        TypeInfo(
            "storage_location",
            ("path", "hash", "public", "storage_root"),
            to_one=("storage_root",),
            key=("storage_root", "hash", "public"),
            lookup_parent="storage_root",
            lookup_filters=("hash", "public"),
        ),
        TypeInfo(
            "object",
            ("uuid", "description", "storage_location", "file_type", "authors"),
            to_one=("storage_location", "file_type"),
            to_many=("authors",),
            related=(
                "components",
                "keywords",
                "licences",
                "code_repo_release",
                "quality_control",
                "data_products",
            ),
            key=("uuid",),
            uuid_keyed=True,
            lookup_filters=("uuid",),
        ),
        TypeInfo(
            "object_component",
            ("name", "description", "whole_object", "object"),
            to_one=("object",),
            related=("issues",),
            key=("object", "name"),
            lookup_parent="object",
        ),
        TypeInfo(
            "issue",
            ("uuid", "severity", "description", "component_issues"),
            to_many=("component_issues",),
            key=("uuid",),
            uuid_keyed=True,
            lookup_filters=("uuid",),
            patchable_sets=("component_issues",),
        ),
        TypeInfo(
            "data_product",
            ("name", "version", "object", "namespace"),
            to_one=("object", "namespace"),
            related=("external_object",),
            key=("namespace", "name", "version"),
            lookup_parent="namespace",
            lookup_filters=("name",),
        ),
        TypeInfo(
            "external_object",
            (
                "identifier",
                "alternate_identifier",
                "alternate_identifier_type",
                "primary_not_supplement",
                "release_date",
                "title",
                "description",
                "data_product",
                "original_store",
            ),
            to_one=("data_product", "original_store"),
            key=("data_product",),
            lookup_parent="data_product",
        ),
        TypeInfo(
            "code_run",
            (
                "uuid",
                "run_date",
                "description",
                "code_repo",
                "model_config",
                "submission_script",
                "inputs",
                "outputs",
            ),
            to_one=("code_repo", "model_config", "submission_script"),
            to_many=("inputs", "outputs"),
            key=("uuid",),
            uuid_keyed=True,
            lookup_filters=("uuid",),
            patchable_sets=("inputs", "outputs"),
        ),
        TypeInfo(
            "keyword",
            ("keyphrase", "identifier", "object"),
            to_one=("object",),
            key=("object", "keyphrase"),
            lookup_parent="object",
        ),
        TypeInfo(
            "licence",
            ("licence_info", "identifier", "object"),
            to_one=("object",),
            key=("object", "licence_info", "identifier"),
            lookup_parent="object",
        ),
        TypeInfo(
            "key_value",
            ("key", "value", "object"),
            to_one=("object",),
            key=("object", "key"),
            lookup_parent="object",
        ),
        TypeInfo(
            "code_repo_release",
            ("name", "version", "website", "object"),
            to_one=("object",),
            key=("object",),
            lookup_parent="object",
        ),
        TypeInfo(
            "quality_controlled",
            ("object", "document"),
            to_one=("object", "document"),
            key=("object",),
            lookup_parent="object",
        ),
    )
}

# Types attached to an object that its record does not list (key_value rows are not shown).
UNLISTED_OBJECT_CHILDREN = ("key_value",)

WHOLE_OBJECT = "whole_object"
