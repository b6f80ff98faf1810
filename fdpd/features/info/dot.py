"""Graphviz DOT text for a `Provenance`: one statement per line, every string quoted and escaped,
node ids made up (`n1`, `n2`…) so no registry text ever reaches an id."""

from __future__ import annotations

from collections.abc import Mapping

from fdpd.features.info.provenance import Provenance, ProvNode

STYLE: Mapping[str, str] = {
    "data_product": 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
    "code_run": 'shape=box, style=filled, fillcolor="#fde9c8"',
    "object": 'shape=note, style=filled, fillcolor="#eeeeee"',
    "author": 'shape=house, style=filled, fillcolor="#e2f0d9"',
    "issue": 'shape=octagon, style=filled, fillcolor="#f8d7da"',
}
DASHED_EDGES = frozenset({"working config", "script", "code", "attributed to", "issue"})
ROOT_STYLE = "penwidth=2.5"


def quote(text: str) -> str:
    """A DOT double-quoted string showing `text` literally: backslashes and quotes escaped (a
    backslash would otherwise start a Graphviz escape such as \\N), line ends as `\\n`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{escaped}"'


def render_dot(prov: Provenance, roots: set[str], title: str) -> str:
    ids = {key: f"n{number}" for number, key in enumerate(sorted(prov.nodes), start=1)}
    lines = [
        "digraph provenance {",
        f"  label={quote(title)};",
        "  labelloc=t;",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for key in sorted(prov.nodes):
        lines.append(f"  {ids[key]} [{_node_attributes(prov.nodes[key], key in roots)}];")
    for edge in prov.edges:
        style = ", style=dashed" if edge.label in DASHED_EDGES else ""
        lines.append(
            f"  {ids[edge.source]} -> {ids[edge.target]} [label={quote(edge.label)}{style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_attributes(node: ProvNode, is_root: bool) -> str:
    label = node.label + (f"\n{node.detail}" if node.detail else "")
    parts = [
        f"label={quote(label)}",
        STYLE.get(node.kind, "shape=box"),
        f"tooltip={quote(node.key)}",
    ]
    if is_root:
        parts.append(ROOT_STYLE)
    return ", ".join(parts)
