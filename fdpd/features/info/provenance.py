"""The provenance of records in a loaded `RecordGraph`, as people draw it:
inputs -> code run -> outputs, with each run's working config, script and code, the authors of
the data products and the issues raised against them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fdpd.shared.closure import components_of
from fdpd.sync.graph import RecordGraph, label_of

# What a code run's single links are, as edge labels.
RUN_FILES = (
    ("model_config", "working config"),
    ("submission_script", "script"),
    ("code_repo", "code"),
)


@dataclass(frozen=True)
class ProvNode:
    key: str  # registry path, /api/<type>/<id>/
    kind: str  # data_product, code_run, object, author, issue
    label: str
    detail: str = ""  # a second line: description, run date, severity…


@dataclass(frozen=True)
class ProvEdge:
    source: str
    target: str
    label: str


@dataclass
class Provenance:
    nodes: dict[str, ProvNode] = field(default_factory=dict)
    edges: list[ProvEdge] = field(default_factory=list)

    def add(self, node: ProvNode) -> None:
        self.nodes.setdefault(node.key, node)

    def link(self, source: str, target: str, label: str) -> None:
        edge = ProvEdge(source, target, label)
        if edge not in self.edges:
            self.edges.append(edge)


def products_of_object(graph: RecordGraph, object_key: str) -> list[str]:
    node = graph.nodes.get(object_key)
    return [p for p in node.links(("data_products",)) if p in graph] if node else []


def build_provenance(graph: RecordGraph, roots: Iterable[str], runs: Iterable[str]) -> Provenance:
    """The roots (data products, code runs) and the runs given, each run with its inputs,
    outputs and files; authors and issues of every data product drawn."""
    prov = Provenance()
    for key in roots:
        if key in graph:
            _add_record(prov, graph, key)
    for run in sorted(set(runs)):
        if run in graph:
            _add_run(prov, graph, run)
    for key in [k for k, n in prov.nodes.items() if n.kind == "data_product"]:
        _add_authors_and_issues(prov, graph, key)
    return prov


def _add_record(prov: Provenance, graph: RecordGraph, key: str) -> None:
    node = graph[key]
    if node.type == "code_run":
        _add_run(prov, graph, key)
    elif node.type == "data_product":
        prov.add(product_node(graph, key))


def product_node(graph: RecordGraph, key: str) -> ProvNode:
    obj = graph.nodes.get(graph[key].record.get("object") or "")
    description = str(obj.record.get("description") or "") if obj else ""
    return ProvNode(key, "data_product", label_of(graph, key), description)


def run_node(graph: RecordGraph, key: str) -> ProvNode:
    record = graph[key].record
    detail = " ".join(str(record.get(f) or "") for f in ("description", "run_date")).strip()
    return ProvNode(key, "code_run", f"code run {str(record.get('uuid'))[:8]}", detail)


def _add_run(prov: Provenance, graph: RecordGraph, run: str) -> None:
    prov.add(run_node(graph, run))
    record = graph[run].record
    for component in record.get("inputs") or []:
        for product in _things_of_component(prov, graph, component):
            prov.link(product, run, "input")
    for component in record.get("outputs") or []:
        for product in _things_of_component(prov, graph, component):
            prov.link(run, product, "output")
    for field_name, role in RUN_FILES:
        object_key = record.get(field_name)
        if isinstance(object_key, str) and object_key in graph:
            prov.add(ProvNode(object_key, "object", role, file_label(graph, object_key)))
            prov.link(object_key, run, role)


def _things_of_component(prov: Provenance, graph: RecordGraph, component: str) -> list[str]:
    """The data products a run's input or output component belongs to (else its object)."""
    node = graph.nodes.get(component)
    object_key = node.record.get("object") if node else None
    if not isinstance(object_key, str) or object_key not in graph:
        return []
    products = products_of_object(graph, object_key)
    for product in products:
        prov.add(product_node(graph, product))
    if products:
        return products
    prov.add(ProvNode(object_key, "object", "object", file_label(graph, object_key)))
    return [object_key]


def file_label(graph: RecordGraph, object_key: str) -> str:
    """Where an object's file is (its storage location's path), or its description."""
    obj = graph[object_key].record
    location = graph.nodes.get(obj.get("storage_location") or "")
    if location is not None:
        return str(location.record.get("path") or "")
    return str(obj.get("description") or "")


def _add_authors_and_issues(prov: Provenance, graph: RecordGraph, product: str) -> None:
    object_key = graph[product].record.get("object") or ""
    obj = graph.nodes.get(object_key)
    if obj is None:
        return
    for author in obj.links(("authors",)):
        if author in graph:
            record = graph[author].record
            name = str(record.get("name") or "author")
            prov.add(ProvNode(author, "author", name, str(record.get("identifier") or "")))
            prov.link(product, author, "attributed to")
    for component in components_of(graph, object_key):
        for issue in component.links(("issues",)):
            if issue in graph:
                record = graph[issue].record
                severity = f"severity {record.get('severity')}"
                prov.add(ProvNode(issue, "issue", str(record.get("description")), severity))
                prov.link(issue, product, "issue")
