"""PROV documents written out: PROV-JSON and PROV-N by the `prov` library, PROV-XML and JSON-LD
(PROV-O, shaped as the reference registry's) here, since their `prov` writers need lxml and rdflib.
Every format is written from the one ProvDocument `fdpregistry.prov` builds."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Any

from prov.constants import (
    PROV,
    PROV_ATTR_ACTIVITY,
    PROV_ATTR_AGENT,
    PROV_ATTR_ENDTIME,
    PROV_ATTR_ENTITY,
    PROV_ATTR_GENERATION,
    PROV_ATTR_STARTER,
    PROV_ATTR_STARTTIME,
    PROV_ATTR_TIME,
    PROV_ATTR_TRIGGER,
    PROV_ATTR_USAGE,
    PROV_ATTR_USED_ENTITY,
    PROV_ATTRIBUTION,
    PROV_DERIVATION,
    PROV_GENERATION,
    PROV_LABEL,
    PROV_N_MAP,
    PROV_ROLE,
    PROV_SPECIALIZATION,
    PROV_START,
    PROV_TYPE,
    PROV_USAGE,
)
from prov.identifier import QualifiedName
from prov.model import ProvDocument, ProvRecord

from fdpregistry.prov import NAMESPACES, ProvFormat


def serialise(document: ProvDocument, fmt: ProvFormat) -> bytes:
    if fmt.serializer == "provn":
        return str(document.get_provn()).encode("utf-8")
    if fmt.serializer == "json-ld":
        return json.dumps(prov_o_jsonld(document), indent=4, ensure_ascii=False).encode("utf-8")
    if fmt.serializer == "xml":
        return prov_xml(document)
    return json.dumps(prov_json(document), ensure_ascii=False, separators=(",", ":")).encode()


def prov_json(document: ProvDocument) -> dict[str, Any]:
    """PROV-JSON with qualified names typed `prov:QUALIFIED_NAME`, as prov 2 (the reference's)
    writes and reads them; later prov versions write `xsd:QName`, which prov 2 reads as text."""
    stream = io.StringIO()
    document.serialize(stream, format="json")
    parsed: dict[str, Any] = json.loads(stream.getvalue(), object_hook=_legacy_qname)
    return parsed


def _legacy_qname(value: dict[str, Any]) -> dict[str, Any]:
    if value.keys() == {"$", "type"} and value["type"] == "xsd:QName":
        return {"$": value["$"], "type": "prov:QUALIFIED_NAME"}
    return value


# PROV-XML -------------------------------------------------------------------------------------

_PROV_URI = "http://www.w3.org/ns/prov#"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_NAMESPACES = {
    "prov": _PROV_URI,
    "xsd": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def prov_xml(document: ProvDocument) -> bytes:
    """PROV-XML: one element per record, formal attributes first, then the others sorted."""
    declared = {f"xmlns:{ns.prefix}": ns.uri for ns in document.get_registered_namespaces()}
    declared |= {f"xmlns:{prefix}": uri for prefix, uri in _XML_NAMESPACES.items()}
    root = ET.Element("prov:document", declared)
    for record in document.get_records():
        root.append(_xml_record(record))
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="us-ascii", xml_declaration=False)
    return b"<?xml version='1.0' encoding='ASCII'?>\n" + body


def _xml_record(record: ProvRecord) -> ET.Element:
    element = ET.Element(f"prov:{PROV_N_MAP[record.get_type()]}")
    if record.identifier is not None:
        element.set("prov:id", str(record.identifier))
    for name, value in record.formal_attributes:
        if isinstance(value, QualifiedName):
            ET.SubElement(element, str(name), {"prov:ref": str(value)})
        elif value is not None:
            ET.SubElement(element, str(name)).text = _text(value)
    extra = sorted(record.extra_attributes, key=lambda pair: (str(pair[0]), _text(pair[1])))
    for name, value in extra:
        child = ET.SubElement(element, str(name))
        child.text = _text(value)
        if isinstance(value, QualifiedName):
            child.set("xsi:type", "xsd:QName")
        elif isinstance(value, datetime):
            child.set("xsi:type", "xsd:dateTime")
    return element


def _text(value: Any) -> str:
    """XML text; characters XML 1.0 cannot carry at all (most controls) become U+FFFD."""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return _NOT_XML.sub("\ufffd", text)


# JSON-LD (PROV-O) ------------------------------------------------------------------------------

_JSONLD_NAMESPACES = {
    "prov": _PROV_URI,
    "rdf": NAMESPACES["rdf"],
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class _RelationTerms:
    """How PROV-O writes one PROV-DM relation: the direct property, the qualified one with the
    class of its node, and the property in that node of each formal attribute after the first."""

    direct: str
    qualified: str | None
    node_type: str
    formal: dict[QualifiedName, str]
    always_direct: bool = False  # also written directly when qualified (as the reference does)


_RELATIONS = {
    PROV_GENERATION: _RelationTerms(
        "wasGeneratedBy", "qualifiedGeneration", "Generation",
        {PROV_ATTR_ACTIVITY: "activity", PROV_ATTR_TIME: "atTime"},
    ),
    PROV_USAGE: _RelationTerms(
        "used", "qualifiedUsage", "Usage",
        {PROV_ATTR_ENTITY: "entity", PROV_ATTR_TIME: "atTime"},
    ),
    PROV_START: _RelationTerms(
        "wasStartedBy", "qualifiedStart", "Start",
        {PROV_ATTR_TRIGGER: "entity", PROV_ATTR_STARTER: "hadActivity", PROV_ATTR_TIME: "atTime"},
    ),
    PROV_ATTRIBUTION: _RelationTerms(
        "wasAttributedTo", "qualifiedAttribution", "Attribution",
        {PROV_ATTR_AGENT: "agent"}, always_direct=True,
    ),
    PROV_DERIVATION: _RelationTerms(
        "wasDerivedFrom", "qualifiedDerivation", "Derivation",
        {PROV_ATTR_USED_ENTITY: "entity", PROV_ATTR_ACTIVITY: "hadActivity",
         PROV_ATTR_GENERATION: "hadGeneration", PROV_ATTR_USAGE: "hadUsage"},
    ),
    PROV_SPECIALIZATION: _RelationTerms("specializationOf", None, "", {}, always_direct=True),
}  # fmt: skip
_TYPE_URIS = {str(PROV_TYPE.uri), f"{NAMESPACES['rdf']}type"}
_ELEMENT_TIMES = {PROV_ATTR_STARTTIME: "prov:startedAtTime", PROV_ATTR_ENDTIME: "prov:endedAtTime"}


@dataclass
class _Node:
    types: list[QualifiedName] = field(default_factory=list)
    properties: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        values = self.properties.setdefault(name, [])
        if value not in values:
            values.append(value)


class _JsonLdWriter:
    """PROV-O as JSON-LD compacted with the document's prefixes, record ids as full IRIs: the
    form the reference answers (the prov library's RDF, compacted by rdflib)."""

    def __init__(self, document: ProvDocument) -> None:
        registered = {ns.prefix: ns.uri for ns in document.get_registered_namespaces()}
        self.records = document.get_records()
        named = {record.identifier.namespace.prefix for record in self.records if record.identifier}
        self.context = {p: u for p, u in registered.items() if p not in named} | _JSONLD_NAMESPACES
        self.nodes: dict[str, _Node] = {}
        self.blank = count(1)

    def document(self) -> dict[str, Any]:
        for record in self.records:
            if record.is_element():
                self._element(record)
            else:
                self._relation(record)
        graph = [self._compact(ident, node) for ident, node in self.nodes.items()]
        return {"@context": dict(sorted(self.context.items())), "@graph": graph}

    def _iri(self, name: QualifiedName) -> str:
        return str(name) if name.namespace.prefix in self.context else str(name.uri)

    def _value(self, value: Any) -> Any:
        if isinstance(value, QualifiedName):
            return {"@id": self._iri(value)}
        if isinstance(value, datetime):
            return {"@type": "xsd:dateTime", "@value": value.isoformat()}
        return value if isinstance(value, str | bool | int | float) else str(value)

    def _node(self, name: QualifiedName) -> _Node:
        return self.nodes.setdefault(self._iri(name), _Node())

    def _element(self, record: ProvRecord) -> None:
        assert record.identifier is not None  # elements always have one here
        node = self._node(record.identifier)
        node.types.append(record.get_type())
        for name, value in record.formal_attributes:
            if value is not None:
                node.add(_ELEMENT_TIMES[name], self._value(value))
        self._attributes(node, record.extra_attributes)

    def _attributes(self, node: _Node, attributes: Iterable[tuple[QualifiedName, Any]]) -> None:
        for name, value in attributes:
            if str(name.uri) in _TYPE_URIS and isinstance(value, QualifiedName):
                node.types.append(value)
            elif name == PROV_ROLE:
                node.add("prov:hadRole", self._value(value))
            elif name == PROV_LABEL:
                node.add("rdfs:label", self._value(value))
            else:
                node.add(self._iri(name), self._value(value))

    def _relation(self, record: ProvRecord) -> None:
        terms = _RELATIONS[record.get_type()]
        (_, subject), *rest = record.formal_attributes
        (_, target), *qualifiers = rest
        extra = record.extra_attributes
        plain = not extra and all(value is None for _, value in qualifiers)
        node = self._node(subject)
        if plain or terms.always_direct:
            node.add(f"prov:{terms.direct}", self._value(target))
        if plain or terms.qualified is None:
            return
        blank = f"_:b{next(self.blank)}"
        node.add(f"prov:{terms.qualified}", {"@id": blank})
        qualified = self.nodes.setdefault(blank, _Node())
        qualified.types.append(PROV[terms.node_type])
        for name, value in rest:
            if value is not None:
                qualified.add(f"prov:{terms.formal[name]}", self._value(value))
        self._attributes(qualified, extra)

    def _compact(self, ident: str, node: _Node) -> dict[str, Any]:
        types = sorted({str(t.uri): self._iri(t) for t in node.types}.items())
        compact: dict[str, Any] = {"@id": ident, "@type": _one_or_many([t for _, t in types])}
        for name in sorted(node.properties):
            values = sorted(node.properties[name], key=lambda v: json.dumps(v, sort_keys=True))
            compact[name] = _one_or_many(values)
        return compact


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def prov_o_jsonld(document: ProvDocument) -> dict[str, Any]:
    return _JsonLdWriter(document).document()
