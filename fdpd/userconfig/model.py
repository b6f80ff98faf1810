"""The parsed user config: typed values that remember where in the file they came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Where:
    """A node's place: key path (`write[2].use.version`) and 1-based line and column."""

    key_path: str
    line: int
    column: int


@dataclass(frozen=True)
class Located(Generic[T]):
    value: T
    where: Where


Text = Located[str]
Flag = Located[bool]
TextList = Located[tuple[str, ...]]


@dataclass(frozen=True)
class RunMetadata:
    where: Where
    description: Text | None = None
    local_data_registry_url: Text | None = None
    remote_data_registry_url: Text | None = None
    default_input_namespace: Text | None = None
    default_output_namespace: Text | None = None
    default_read_version: Text | None = None
    default_write_version: Text | None = None
    write_data_store: Text | None = None
    local_repo: Text | None = None
    remote_repo: Text | None = None
    latest_commit: Text | None = None
    public: Flag | None = None
    script: Text | None = None
    script_path: Text | None = None
    shell: Text | None = None


@dataclass(frozen=True)
class ReadItem:
    where: Where
    data_product: Text
    description: Text | None = None
    version: Text | None = None
    namespace: Text | None = None
    use_data_product: Text | None = None
    use_namespace: Text | None = None
    use_version: Text | None = None
    use_cache: Text | None = None


@dataclass(frozen=True)
class WriteItem:
    where: Where
    data_product: Text
    file_type: Text
    description: Text | None = None
    public: Flag | None = None
    version: Text | None = None
    namespace: Text | None = None
    use_data_product: Text | None = None
    use_namespace: Text | None = None
    use_version: Text | None = None


REGISTER_KINDS = ("namespace", "author", "external_object", "data_product")


@dataclass(frozen=True)
class RegisterItem:
    """One `register:` entry. `kind` is its one kind key, `name` that key's value.

    `fields` holds the other keys by name (`use.namespace` flattened with a dot), each a
    Text, Flag or TextList as the key's type says.
    """

    where: Where
    kind: str
    name: Text
    fields: Mapping[str, Located[object]] = field(default_factory=dict)

    def text(self, key: str) -> Text | None:
        value = self.fields.get(key)
        return value if value is not None and isinstance(value.value, str) else None  # type: ignore[return-value]

    def flag(self, key: str) -> Flag | None:
        value = self.fields.get(key)
        return value if value is not None and isinstance(value.value, bool) else None  # type: ignore[return-value]

    def texts(self, key: str) -> TextList | None:
        value = self.fields.get(key)
        return value if value is not None and isinstance(value.value, tuple) else None  # type: ignore[return-value]

    @property
    def has_file(self) -> bool:
        no_file = self.flag("no_file")
        return self.kind in ("external_object", "data_product") and not (no_file and no_file.value)

    @property
    def source_url(self) -> str | None:
        """Download URL: `root` immediately followed by `path` (None for items without a file)."""
        root, path = self.text("root"), self.text("path")
        if root is None or path is None:
            return None
        return root.value + path.value

    def namespace_field(self) -> Text | None:
        """`namespace_name`, else `use.namespace`; None means the default input namespace."""
        return self.text("namespace_name") or self.text("use.namespace")


@dataclass(frozen=True)
class UserConfig:
    """A parsed, shape-checked user config. `filename` is as given (used in messages)."""

    filename: str
    text: str
    run_metadata: RunMetadata
    read: tuple[ReadItem, ...] = ()
    write: tuple[WriteItem, ...] = ()
    register: tuple[RegisterItem, ...] = ()
    # Values accepted the way FAIR-CLI's pydantic v1 models coerce them (`primary: "false"`),
    # each with where it is and what it was taken for: shown as warnings.
    coerced: tuple[tuple[Where, str], ...] = ()
