"""What the sync engine knows about each record type (docs/registry-api.md).

The registry's description of the types (`SPECS`, fdpregistry/schema.py) says which fields a
record has, which of them are writable and which are links: what a copy sends (`fields`) and
which links must exist on the destination first (`to_one`, `to_many`) are derived from it. Here
is only how to copy: which links merely pull related records into a closure, the natural key that
finds an existing copy, how to look it up, and which sets are completed by PATCH. Users, groups
and user_author are per-registry and never copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fdpregistry.schema import LINK, LINKS, SPECS


@dataclass(frozen=True)
class TypeInfo:
    name: str
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
    patchable_sets: tuple[str, ...] = ()
    # Writable links not sent: the record at their other end sets them (issue.component_issues)
    set_from_other_side: tuple[str, ...] = ()
    # Derived from the registry's description: writable fields sent on create (links among
    # them are rewritten to destination URLs), and the links among them, to one and to many.
    fields: tuple[str, ...] = field(init=False)
    to_one: tuple[str, ...] = field(init=False)
    to_many: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        sent = [
            f
            for f in SPECS[self.name].fields
            if f.writable and f.name not in self.set_from_other_side
        ]
        object.__setattr__(self, "fields", tuple(f.name for f in sent))
        object.__setattr__(self, "to_one", tuple(f.name for f in sent if f.kind == LINK))
        object.__setattr__(self, "to_many", tuple(f.name for f in sent if f.kind == LINKS))

    @property
    def links(self) -> tuple[str, ...]:
        return self.to_one + self.to_many


TYPES: dict[str, TypeInfo] = {
    info.name: info
    for info in (
        TypeInfo("namespace", key=("name",), lookup_filters=("name",)),
        TypeInfo("storage_root", key=("root",), lookup_filters=("root",)),
        TypeInfo("file_type", key=("name", "extension"), lookup_filters=("name", "extension")),
        TypeInfo("author", key=("uuid",), uuid_keyed=True, lookup_filters=("uuid",)),
        TypeInfo(
            "storage_location",
            key=("storage_root", "hash", "public"),
            lookup_parent="storage_root",
            lookup_filters=("hash", "public"),
        ),
        TypeInfo(
            "object",
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
            related=("issues",),
            set_from_other_side=("issues",),
            key=("object", "name"),
            lookup_parent="object",
        ),
        TypeInfo(
            "issue",
            key=("uuid",),
            uuid_keyed=True,
            lookup_filters=("uuid",),
            patchable_sets=("component_issues",),
        ),
        TypeInfo(
            "data_product",
            related=("external_object",),
            key=("namespace", "name", "version"),
            lookup_parent="namespace",
            lookup_filters=("name",),
        ),
        TypeInfo("external_object", key=("data_product",), lookup_parent="data_product"),
        TypeInfo(
            "code_run",
            key=("uuid",),
            uuid_keyed=True,
            lookup_filters=("uuid",),
            patchable_sets=("inputs", "outputs"),
        ),
        TypeInfo("keyword", key=("object", "keyphrase"), lookup_parent="object"),
        TypeInfo("licence", key=("object", "licence_info", "identifier"), lookup_parent="object"),
        TypeInfo("key_value", key=("object", "key"), lookup_parent="object"),
        TypeInfo("code_repo_release", key=("object",), lookup_parent="object"),
        TypeInfo("quality_controlled", key=("object",), lookup_parent="object"),
    )
}

# Types attached to an object that its record does not list (key_value rows are not shown).
UNLISTED_OBJECT_CHILDREN = ("key_value",)

WHOLE_OBJECT = "whole_object"
