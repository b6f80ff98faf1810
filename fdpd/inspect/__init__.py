"""`info TOKEN|PATH`: what fdp knows of an item (registry metadata, provenance, sync state,
files) and its provenance graph as Graphviz DOT."""

from fdpd.inspect.dot import render_dot
from fdpd.inspect.gather import inspect_target
from fdpd.inspect.provenance import Provenance, build_provenance

__all__ = ["Provenance", "build_provenance", "inspect_target", "render_dot"]
