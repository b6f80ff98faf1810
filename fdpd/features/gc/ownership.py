"""The records that belong to a code run or data product, as opposed to those it merely uses.

A data product owns its object (with the object's components, key_values…, see `unit`) and the
storage location of its file. A code run owns itself, its working config, submission script and
code repository objects, and its outputs; it only uses its inputs, which belong to other items.
Issues attached to owned components come along; `selection.removable` keeps whatever is also
used elsewhere.
"""

from __future__ import annotations

from fdpd.features.gc.inventory import Inventory

_RUN_OBJECTS = ("model_config", "submission_script", "code_repo")


def own_records(inventory: Inventory, root: str) -> set[str]:
    node = inventory.nodes[root]
    objects: list[str] = []
    if node.type == "data_product":
        objects.append(str(node.record.get("object")))
    elif node.type == "code_run":
        objects += [str(node.record[f]) for f in _RUN_OBJECTS if node.record.get(f)]
        for component in node.record.get("outputs") or []:
            owner = inventory.object_of(component) if component in inventory.nodes else None
            if owner is not None:
                objects.append(owner)
    owned = {root}
    for obj in objects:
        if obj in inventory.nodes:
            owned |= _object_with_file(inventory, obj)
    return owned


def _object_with_file(inventory: Inventory, obj: str) -> set[str]:
    unit = inventory.unit(obj)
    location = inventory.nodes[obj].record.get("storage_location")
    if isinstance(location, str) and location in inventory.nodes:
        unit.add(location)
    for member in list(unit):
        if inventory.nodes[member].type == "object_component":
            issues = inventory.nodes[member].record.get("issues") or []
            unit |= {issue for issue in issues if issue in inventory.nodes}
    return unit
