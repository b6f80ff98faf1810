"""Declarative description of every record type of the REST API (docs/registry-api.md).

One `TypeSpec` per type lists its fields in the exact JSON key order; serialisation, validation,
filtering and OPTIONS metadata are all driven from these descriptions, and so are the database
tables (fdpregistry/models.py builds each record type's table and the association tables from
them) and what the sync engine copies (fdpd/sync/schema.py). The tables themselves
(`TypeSpec.table`, `Through.table`, `Field.reverse_table`, `target_table`) come from `models` on
first use, so reading the descriptions does not load the registry's tables (fdpd's daemon reads
them to sync, and never serves the registry itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table

STR_MAX = 1024
TEXT_MAX = 1048576

# Field kinds. Scalars: stored in `column`; links: `column` holds the target id.
SELF = "self"  # the record's own url
COMPUTED = "computed"  # derived read-only values (internal_format, prov_report, ro_crate)
STR, TEXT, NAME, SEMVER, URL = "str", "text", "name", "semver", "url"
BOOL, INT, UUID, DATETIME = "bool", "int", "uuid", "datetime"
LINK = "link"  # to-one relation
LINKS = "links"  # to-many relation through an association table
REVERSE_MANY = "reverse_many"  # read-only list of records pointing here
REVERSE_ONE = "reverse_one"  # read-only link (or null) of the one record pointing here
STRING_KINDS = frozenset({STR, TEXT, NAME, SEMVER, URL})


@cache
def _table(name: str) -> Table:
    from fdpregistry.models import table_named

    return table_named(name)


@dataclass(frozen=True)
class Through:
    """Association table of a to-many relation: `owner` column → this record, `other` → target.

    The table is built from the side that is not a `mirror` (the other side reads it reversed):
    primary key (`owner`, `other`), `other` indexed."""

    table_name: str
    owner: str
    other: str
    mirror: bool = False

    @property
    def table(self) -> Table:
        return _table(self.table_name)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    target: str | None = None  # target type of links
    required: bool = False
    nullable: bool = False
    read_only: bool = False
    max_length: int | None = None
    default: Any = None
    has_default: bool = False
    unique: bool = False
    filter: str | None = None  # glob | text | fk | m2m | bool | int | datetime | uuid
    through: Through | None = None  # LINKS and reverse-through
    reverse_link: str | None = None  # REVERSE_MANY / REVERSE_ONE: the target's link to here
    required_on_put: bool = False
    label: str | None = None
    options_type: str | None = None
    indexed: bool = False  # the database indexes its column (look-ups by it)

    @property
    def reverse_table(self) -> Table | None:
        return None if self.reverse_link is None else _table(str(self.target))

    @property
    def reverse_column(self) -> str | None:
        return None if self.reverse_link is None else f"{self.reverse_link}_id"

    @property
    def column(self) -> str:
        return f"{self.name}_id" if self.kind == LINK else self.name

    @property
    def writable(self) -> bool:
        return not self.read_only and self.kind not in (SELF, COMPUTED, REVERSE_MANY, REVERSE_ONE)


@dataclass(frozen=True)
class UniqueTogether:
    fields: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    name: str  # API type name, e.g. data_product; also its table's name
    fields: tuple[Field, ...]
    reverse_filters: tuple[str, ...] = ()
    filter_order: tuple[str, ...] = ()  # own filterable fields in filter_fields order
    unique_together: tuple[UniqueTogether, ...] = ()
    record_methods: tuple[str, ...] = ("GET",)
    description: str = ""
    checks: tuple[tuple[str, str], ...] = ()  # the table's check constraints: (name, SQL)
    by_name: dict[str, Field] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    @property
    def model(self) -> str:
        """The reference's class name, e.g. DataProduct (in its messages)."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def table_name(self) -> str:
        return self.name

    @property
    def table(self) -> Table:
        return _table(self.table_name)

    @property
    def db_label(self) -> str:
        """`data_management_<lowercase class>`, the reference's table name in DB messages."""
        return f"data_management_{self.model.lower()}"

    @property
    def filter_fields(self) -> list[str]:
        return [*self.reverse_filters, "updated_by", "last_updated", *self.filter_order]

    @property
    def words(self) -> str:
        return " ".join(part.capitalize() for part in self.name.split("_"))


# --- field constructors -----------------------------------------------------------------------


def _url() -> Field:
    return Field("url", SELF, read_only=True)


def _last_updated() -> Field:
    return Field("last_updated", DATETIME, read_only=True, filter="datetime")


def _updated_by() -> Field:
    return Field(
        "updated_by", LINK, target="users", read_only=True, filter="fk", label="Last updated by"
    )


def _uuid() -> Field:
    return Field("uuid", UUID, filter="uuid", has_default=True)


def _link(name: str, target: str, *, nullable: bool = False, unique: bool = False) -> Field:
    return Field(
        name, LINK, target=target, required=not nullable, nullable=nullable, unique=unique,
        filter="fk", has_default=nullable,
    )  # fmt: skip


def _str(name: str, kind: str = STR, *, required: bool = True, max_length: int | None = STR_MAX,
         unique: bool = False, filter: str = "text", indexed: bool = False) -> Field:  # fmt: skip
    return Field(
        name, kind, required=required, nullable=not required, max_length=max_length,
        unique=unique, filter=filter, has_default=not required, indexed=indexed,
    )  # fmt: skip


def _bool(name: str, default: bool, *, indexed: bool = False) -> Field:
    return Field(name, BOOL, default=default, has_default=True, filter="bool", indexed=indexed)


def _reverse_many(name: str, target: str, link: str) -> Field:
    return Field(name, REVERSE_MANY, target=target, read_only=True, reverse_link=link)


def _reverse_one(name: str, target: str, link: str) -> Field:
    return Field(name, REVERSE_ONE, target=target, read_only=True, reverse_link=link)


def _links(name: str, target: str, through: Through, *, read_only: bool = False) -> Field:
    return Field(
        name, LINKS, target=target, read_only=read_only, through=through,
        filter=None if read_only else "m2m", has_default=True, default=(),
    )  # fmt: skip


_OBJECT_AUTHORS = Through("object_authors", "object_id", "author_id")
_COMPONENT_ISSUES = Through("object_component_issues", "component_id", "issue_id")
_ISSUE_COMPONENTS = Through("object_component_issues", "issue_id", "component_id", mirror=True)
_RUN_INPUTS = Through("code_run_inputs", "code_run_id", "component_id")
_RUN_OUTPUTS = Through("code_run_outputs", "code_run_id", "component_id")
_INPUTS_OF = Through("code_run_inputs", "component_id", "code_run_id", mirror=True)
_OUTPUTS_OF = Through("code_run_outputs", "component_id", "code_run_id", mirror=True)

IDENTIFIER_MAX = TEXT_MAX
WEBSITE_MAX = 200
PATH_MAX = 8192


def _identifier(*, unique: bool) -> Field:
    return _str(
        "identifier", URL, required=False, max_length=IDENTIFIER_MAX, unique=unique, indexed=True
    )


def _website() -> Field:
    return _str("website", URL, required=False, max_length=WEBSITE_MAX)


SPECS: dict[str, TypeSpec] = {}


def _register(spec: TypeSpec) -> None:
    SPECS[spec.name] = spec


_register(TypeSpec(
    "storage_root",
    (_url(), _last_updated(), _str("root", unique=True), _bool("local", False), _updated_by(),
     _reverse_many("locations", "storage_location", "storage_root")),
    reverse_filters=("locations",), filter_order=("root", "local"),
    description="A root (a URI) under which files are stored.",
))  # fmt: skip
_register(TypeSpec(
    "storage_location",
    (_url(), _last_updated(), _str("path", max_length=PATH_MAX, indexed=True),
     _str("hash", indexed=True), _bool("public", True, indexed=True), _updated_by(),
     _link("storage_root", "storage_root")),
    reverse_filters=("location_for_object", "original_store_of"),
    filter_order=("path", "hash", "public", "storage_root"),
    unique_together=(UniqueTogether(("storage_root", "hash", "public")),),
    description="The location of a file: a path under a storage root, with its SHA-1 hash.",
))  # fmt: skip
_register(TypeSpec(
    "file_type",
    (_url(), _last_updated(), _str("name", TEXT), _str("extension", TEXT, indexed=True),
     _updated_by()),
    reverse_filters=("object",), filter_order=("name", "extension"),
    unique_together=(UniqueTogether(("name", "extension")),),
    description="A file type: a name and its file extension.",
))  # fmt: skip
_register(TypeSpec(
    "namespace",
    (_url(), _last_updated(), _str("name", NAME, unique=True, filter="glob"),
     _str("full_name", required=False, unique=True), _website(), _updated_by()),
    reverse_filters=("data_products",), filter_order=("name", "full_name", "website"),
    description="A namespace grouping data products.",
))  # fmt: skip
_register(TypeSpec(
    "author",
    (_url(), _uuid(), _last_updated(), _str("name", NAME, required=False, filter="glob"),
     _identifier(unique=True), _updated_by()),
    reverse_filters=("object", "userauthor"), filter_order=("name", "identifier", "uuid"),
    description="An author of objects, identified by an ORCID/ROR URL or a uuid.",
    checks=(("data_management_author_identifier_and_or_name",
             "identifier IS NOT NULL OR name IS NOT NULL"),),
))  # fmt: skip
_register(TypeSpec(
    "object",
    (_url(), _uuid(), _last_updated(),
     _str("description", TEXT, required=False, max_length=TEXT_MAX), _updated_by(),
     _link("storage_location", "storage_location", nullable=True),
     _link("file_type", "file_type", nullable=True), _links("authors", "author", _OBJECT_AUTHORS),
     _reverse_many("components", "object_component", "object"),
     _reverse_many("data_products", "data_product", "object"),
     _reverse_one("code_repo_release", "code_repo_release", "object"),
     _reverse_one("quality_control", "quality_controlled", "object"),
     _reverse_many("licences", "licence", "object"),
     _reverse_many("keywords", "keyword", "object")),
    reverse_filters=("components", "code_repo_of", "config_of", "submission_script_of",
                     "data_products", "quality_control", "quality_control_document", "keywords",
                     "licences", "code_repo_release", "metadata"),
    filter_order=("storage_location", "description", "file_type", "uuid", "authors"),
    description="An object: a file or other item, with its location, type and authors.",
))  # fmt: skip
_register(TypeSpec(
    "object_component",
    (_url(), _last_updated(), _str("name", NAME, filter="glob"),
     _str("description", TEXT, required=False, max_length=TEXT_MAX),
     _bool("whole_object", False), _updated_by(), _link("object", "object"),
     _links("issues", "issue", _COMPONENT_ISSUES),
     _links("inputs_of", "code_run", _INPUTS_OF, read_only=True),
     _links("outputs_of", "code_run", _OUTPUTS_OF, read_only=True)),
    reverse_filters=("inputs_of", "outputs_of"),
    filter_order=("object", "name", "description", "whole_object", "issues"),
    unique_together=(UniqueTogether(("object", "name")),),
    description="A component of an object; every object has its whole_object component.",
))  # fmt: skip
_register(TypeSpec(
    "data_product",
    (_url(), Field("internal_format", COMPUTED, read_only=True),
     Field("prov_report", COMPUTED, read_only=True), Field("ro_crate", COMPUTED, read_only=True),
     _last_updated(), _str("name", NAME, filter="glob"), _str("version", SEMVER), _updated_by(),
     _link("object", "object"), _link("namespace", "namespace"),
     _reverse_one("external_object", "external_object", "data_product")),
    reverse_filters=("external_object",), filter_order=("object", "namespace", "name", "version"),
    unique_together=(UniqueTogether(("namespace", "name", "version")),),
    record_methods=("GET", "PUT", "PATCH"),
    description="A versioned, named data product in a namespace, backed by an object.",
))  # fmt: skip
_register(TypeSpec(
    "external_object",
    (_url(), _last_updated(), _identifier(unique=False),
     _str("alternate_identifier", required=False, indexed=True),
     _str("alternate_identifier_type", required=False),
     _bool("primary_not_supplement", True),
     Field("release_date", DATETIME, required=True, filter="datetime"),
     _str("title", indexed=True),
     _str("description", TEXT, required=False, max_length=TEXT_MAX),
     Field("version", SEMVER, read_only=True, max_length=STR_MAX, filter="text"), _updated_by(),
     _link("data_product", "data_product", unique=True),
     _link("original_store", "storage_location", nullable=True)),
    filter_order=("identifier", "alternate_identifier", "alternate_identifier_type",
                  "primary_not_supplement", "release_date", "title", "description", "version",
                  "data_product", "original_store"),
    description="A data product that came from outside the pipeline (a DOI, an alternate id).",
    checks=(("externalobject_identifier_or_alternate_identifier",
             "identifier IS NOT NULL OR "
             "(alternate_identifier IS NOT NULL AND alternate_identifier_type IS NOT NULL)"),),
))  # fmt: skip
_register(TypeSpec(
    "code_run",
    (_url(), Field("ro_crate", COMPUTED, read_only=True), _uuid(), _last_updated(),
     Field("run_date", DATETIME, required=True, filter="datetime", indexed=True),
     _str("description"),
     _updated_by(), _link("code_repo", "object", nullable=True),
     _link("model_config", "object", nullable=True), _link("submission_script", "object"),
     _links("inputs", "object_component", _RUN_INPUTS),
     _links("outputs", "object_component", _RUN_OUTPUTS)),
    filter_order=("code_repo", "model_config", "submission_script", "run_date", "description",
                  "uuid", "inputs", "outputs"),
    record_methods=("GET", "PUT", "PATCH", "DELETE"),
    description="A run of a submission script, with its inputs and outputs.",
))  # fmt: skip
_register(TypeSpec(
    "issue",
    (_url(), _uuid(), _last_updated(),
     Field("severity", INT, default=1, has_default=True, filter="int"),
     _str("description", TEXT, max_length=TEXT_MAX), _updated_by(),
     Field("component_issues", LINKS, target="object_component", through=_ISSUE_COMPONENTS,
           has_default=True, default=(), required_on_put=True)),
    reverse_filters=("component_issues",), filter_order=("severity", "description", "uuid"),
    record_methods=("GET", "PUT", "PATCH"),
    description="An issue with a severity, attached to object components.",
    checks=(("severity", "severity >= 0"),),
))  # fmt: skip
_register(TypeSpec(
    "user_author",
    (_url(), _last_updated(), _updated_by(), _link("user", "users", unique=True),
     _link("author", "author")),
    filter_order=("user", "author"),
    description="Links a registry user to the author they write as.",
))  # fmt: skip
_register(TypeSpec(
    "keyword",
    (_url(), _last_updated(), _str("keyphrase", NAME, filter="glob"), _identifier(unique=True),
     _updated_by(), _link("object", "object")),
    filter_order=("object", "keyphrase", "identifier"),
    unique_together=(UniqueTogether(("object", "keyphrase")),),
    description="A keyphrase describing an object.",
))  # fmt: skip
_register(TypeSpec(
    "licence",
    (_url(), _last_updated(), _str("licence_info", TEXT, max_length=None),
     _identifier(unique=True), _updated_by(), _link("object", "object")),
    filter_order=("object", "licence_info", "identifier"),
    description="The licence of an object.",
))  # fmt: skip
_register(TypeSpec(
    "key_value",
    (_url(), _last_updated(), _str("key"), _str("value"), _updated_by(), _link("object", "object")),
    filter_order=("object", "key", "value"),
    unique_together=(UniqueTogether(("object", "key")),),
    description="A key/value metadata pair of an object.",
))  # fmt: skip
_register(TypeSpec(
    "code_repo_release",
    (_url(), _last_updated(), _str("name", NAME, filter="glob"), _str("version", SEMVER),
     _website(), _updated_by(), _link("object", "object", unique=True)),
    filter_order=("object", "name", "version", "website"),
    unique_together=(UniqueTogether(("name", "version")),),
    description="A released version of a code repository object.",
))  # fmt: skip
_register(TypeSpec(
    "quality_controlled",
    (_url(), _last_updated(), _updated_by(), _link("object", "object", unique=True),
     _link("document", "object")),
    filter_order=("object", "document"),
    description="Marks an object as quality controlled, with the document describing it.",
))  # fmt: skip


def target_table(target: str) -> Table:
    """The table of a link target, for existence checks ("users" is the registry's user table)."""
    return _table("registry_user" if target == "users" else SPECS[target].table_name)
