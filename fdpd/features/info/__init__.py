"""`info TOKEN|PATH`: what fdp knows of an item (registry metadata, provenance, sync state,
files) and its provenance graph as Graphviz DOT."""

from fdpd.features.info.dot import render_dot
from fdpd.features.info.gather import inspect_target
from fdpd.features.info.provenance import Provenance, build_provenance

__all__ = ["Provenance", "build_provenance", "inspect_target", "render_dot"]
