"""A data product's provenance as a graph: inputs → code run → outputs, `depth` run levels back.

Level 1 is the code runs that wrote the product, with everything they read and wrote; each
further level adds the runs that wrote those inputs. Graphviz `dot` draws it as SVG when it is
on PATH; the SVG is then reduced to an allow-list of elements and attributes (no script, no
event handler, links only into this registry) before it goes into a page.

`dot` is bounded: at most `MAX_NODES` nodes, `DOT_SECONDS` each, `DOT_AT_ONCE` at a time (pages
run in worker threads, never on the event loop the API answers on), and a drawing is kept by its
DOT text's digest (`CACHED_DRAWINGS`, least recently used out first), so a page many browsers
load is drawn once.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

from fdpregistry.lineage import Record, generating_runs, record, run_components
from fdpregistry.web.layout import PREFIX
from fdpregistry.web.queries import private_objects, products_of_objects

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_DEPTH = 5
MAX_NODES = 150  # beyond this the graph stops growing (and says so)
DOT_SECONDS = 10.0
DOT_AT_ONCE = 2  # `dot` processes at a time; more pages wait their turn (or for the cache)
CACHED_DRAWINGS = 64


@dataclass
class Graph:
    nodes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → label, url, kind
    edges: set[tuple[str, str]] = field(default_factory=set)
    truncated: bool = False


def provenance(session: Session, product_object_id: int, depth: int, visible: bool) -> Graph:
    graph = Graph()
    frontier = [product_object_id]
    seen_runs: set[int] = set()
    for _ in range(max(1, min(depth, MAX_DEPTH))):
        next_frontier: list[int] = []
        for object_id in frontier:
            obj = record(session, "object", object_id)
            for run in generating_runs(session, obj) if obj else []:
                if run.id in seen_runs:
                    continue
                if len(graph.nodes) >= MAX_NODES:
                    graph.truncated = True
                    break
                seen_runs.add(run.id)
                next_frontier += _add_run(session, graph, run)
        frontier = next_frontier
    _label_objects(session, graph, product_object_id, visible)
    return graph


def _add_run(session: Session, graph: Graph, run: Record) -> list[int]:
    """Adds a run and its edges; returns the ids of the objects it read."""
    run_node = f"run{run.id}"
    when = run.run_date.strftime("%Y-%m-%d %H:%M")
    label = f"code run {run.id}\n{when}\n{_short(run.description)}"
    graph.nodes[run_node] = (label, f"{PREFIX}/code_run/{run.id}", "run")
    inputs = [c.object_id for c in run_components(session, run, "inputs")]
    outputs = [c.object_id for c in run_components(session, run, "outputs")]
    for object_id in inputs:
        graph.edges.add((f"obj{object_id}", run_node))
    for object_id in outputs:
        graph.edges.add((run_node, f"obj{object_id}"))
    for object_id in (*inputs, *outputs):
        graph.nodes.setdefault(f"obj{object_id}", ("", "", "object"))
    return inputs


def _label_objects(session: Session, graph: Graph, focus: int, visible: bool) -> None:
    object_ids = [int(node[3:]) for node in graph.nodes if node.startswith("obj")]
    if not graph.nodes:
        object_ids = [focus]
    conn = session.connection()
    products = products_of_objects(conn, object_ids)
    hidden = set() if visible else private_objects(conn, object_ids)
    for object_id in object_ids:
        node = f"obj{object_id}"
        kind = "focus" if object_id == focus else "object"
        product = products.get(object_id)
        if object_id in hidden:
            graph.nodes[node] = ("private item", "", "private")
        elif product is not None:
            label = f"{product['namespace']}:{product['name']}\n@{product['version']}"
            graph.nodes[node] = (label, f"{PREFIX}/data_product/{product['id']}", kind)
        else:
            obj = record(session, "object", object_id)
            label = f"object {object_id}\n{_short(obj.description if obj else None)}"
            graph.nodes[node] = (label, f"/api/object/{object_id}/", kind)


def _short(text: str | None, limit: int = 40) -> str:
    text = (text or "").strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


_STYLES = {
    "focus": 'shape=box, style="rounded,filled", fillcolor="#ffe8a3", color="#b58900"',
    "object": 'shape=box, style="rounded,filled", fillcolor="#e3effc", color="#1f5fa8"',
    "run": 'shape=ellipse, style=filled, fillcolor="#e6f4e6", color="#2e7d32"',
    "private": 'shape=box, style="dashed", color="#888888", fontcolor="#666666"',
}


def dot_source(graph: Graph) -> str:
    lines = [
        "digraph provenance {",
        '  rankdir=LR; node [fontname="Helvetica", fontsize=11]; edge [color="#555555"];',
    ]
    for node, (label, url, kind) in sorted(graph.nodes.items()):
        attributes = [f"label={_quoted(label)}", _STYLES[kind]]
        if url:
            attributes += [f"URL={_quoted(url)}", f"tooltip={_quoted(label)}"]
        lines.append(f"  {node} [{', '.join(attributes)}];")
    lines += [f"  {tail} -> {head};" for tail, head in sorted(graph.edges)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, newlines as centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
    return '"' + escaped.replace("\n", "\\n") + '"'


class DrawingFailed(Exception):
    """`dot` is installed but did not draw the graph."""


class _Drawings:
    """Sanitised SVG by the SHA-256 of its DOT text, the least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._svg: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            svg = self._svg.get(key)
            if svg is not None:
                self._svg.move_to_end(key)
            return svg

    def put(self, key: str, svg: str) -> None:
        with self._lock:
            self._svg[key] = svg
            self._svg.move_to_end(key)
            while len(self._svg) > self.size:
                self._svg.popitem(last=False)


_drawings = _Drawings(CACHED_DRAWINGS)
_dot_slots = threading.BoundedSemaphore(DOT_AT_ONCE)


def draw_svg(source: str) -> str | None:
    """`source` drawn by Graphviz as sanitised SVG; None when `dot` is not installed. Called
    from a worker thread (it blocks); a drawing of the same text is taken from the cache."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    key = hashlib.sha256(source.encode()).hexdigest()
    if (svg := _drawings.get(key)) is not None:
        return svg
    with _dot_slots:
        if (svg := _drawings.get(key)) is not None:  # drawn while this page waited its turn
            return svg
        svg = _run_dot(dot, source)
    _drawings.put(key, svg)
    return svg


def _run_dot(dot: str, source: str) -> str:
    from xml.etree.ElementTree import ParseError  # as sanitise_svg: when a graph is drawn

    try:
        drawn = subprocess.run(
            [dot, "-Tsvg"], input=source.encode(), capture_output=True, timeout=DOT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DrawingFailed(str(error)) from None
    if drawn.returncode != 0:
        raise DrawingFailed(drawn.stderr.decode(errors="replace").strip() or "dot failed")
    try:
        return sanitise_svg(drawn.stdout)
    except ParseError as error:
        raise DrawingFailed(f"unreadable SVG: {error}") from None


_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_ELEMENTS = frozenset(
    {"svg", "g", "title", "polygon", "polyline", "ellipse", "path", "text", "a", "defs"}
)
_ATTRIBUTES = frozenset(
    {
        "width", "height", "viewBox", "transform", "id", "class", "fill", "stroke",
        "stroke-width", "stroke-dasharray", "points", "cx", "cy", "rx", "ry", "d", "x", "y",
        "text-anchor", "font-family", "font-size", "font-weight", "font-style",
        f"{{{_XLINK}}}href", f"{{{_XLINK}}}title",
    }
)  # fmt: skip


def sanitise_svg(data: bytes) -> str:
    """Only allow-listed SVG elements and attributes; links only to paths of this server."""
    import xml.etree.ElementTree as ET  # only the record pages with a graph need it

    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(data)  # dot's own output: no external entities
    _prune(root)
    return ET.tostring(root, encoding="unicode")


def _prune(element: Element) -> None:
    for child in list(element):
        if child.tag.removeprefix(f"{{{_SVG}}}") not in _ELEMENTS:
            element.remove(child)
        else:
            _prune(child)
    for name in list(element.attrib):
        if name not in _ATTRIBUTES:
            del element.attrib[name]
    href = element.attrib.get(f"{{{_XLINK}}}href")
    if href is not None and not (href.startswith("/") and not href.startswith("//")):
        del element.attrib[f"{{{_XLINK}}}href"]
