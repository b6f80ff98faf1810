"""`fdpctl info ITEM|PATH [--graph FILE.svg|FILE.dot]`: all fdp knows of an item.

fdpd answers the graph as DOT; fdpctl writes it here (the file is the user's, relative to their
working directory) and turns it into SVG with Graphviz's `dot` when that is installed.
"""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.commit import TARGET_HELP, target_body
from fdpctl.errors import SUCCESS, CommandError
from fdpctl.render import byte_size, print_fields, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from fdpd.base.wire import (
        AuthorView,
        FileView,
        Info,
        InfoItem,
        NamedFile,
        RerunRecord,
        RunSummary,
    )

GRAPH_SUFFIXES = (".svg", ".dot", ".gv")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "info",
        info,
        "show an item's registry metadata, provenance, sync state and file",
        "For a code run, job, data product or data store file: its registry metadata "
        "(description, authors, issues, file type), provenance (inputs -> code run -> outputs), "
        "sync state and remote record, and its file's location, SHA-1 and size.",
    )
    parser.add_argument("target", metavar="ITEM|PATH", help=TARGET_HELP)
    parser.add_argument(
        "--graph",
        metavar="FILE",
        help="also draw the provenance graph: FILE.svg (needs Graphviz's dot; otherwise the DOT "
        "text is written to FILE.dot) or FILE.dot",
    )


def info(args: argparse.Namespace, inv: Invocation) -> int:
    if args.graph and not args.graph.lower().endswith(GRAPH_SUFFIXES):
        raise CommandError(
            f"cannot tell what kind of graph {args.graph} should be",
            hint="name the file FILE.svg (a picture) or FILE.dot (Graphviz text)",
        )
    body = {**target_body(args.target), "graph": bool(args.graph)}
    data: Info = inv.call("POST", "/v1/info", body).data
    if args.graph and (graph := data.get("graph")):
        graph["file"] = str(write_graph(graph["dot"], args.graph, inv.as_json))
    if inv.as_json:
        print_json(data)
        return SUCCESS
    _show(data)
    return SUCCESS


def write_graph(dot_text: str, name: str, quiet: bool) -> Path:
    """Write the graph as `name` asks; an SVG without Graphviz becomes a .dot beside it."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    target = Path(name)
    if target.suffix.lower() != ".svg":
        target.write_text(dot_text, encoding="utf-8")
        return target
    dot = shutil.which("dot")
    if dot is None:
        fallback = target.with_suffix(".dot")
        fallback.write_text(dot_text, encoding="utf-8")
        print(
            f"Graphviz's `dot` is not installed, so the graph was written as DOT to {fallback}\n"
            f"  install Graphviz (e.g. apt install graphviz, brew install graphviz), then: "
            f"dot -Tsvg {fallback} -o {target}",
            file=sys.stderr,
        )
        return fallback
    drawn = subprocess.run(
        [dot, "-Tsvg", "-o", str(target)], input=dot_text, capture_output=True, text=True
    )
    if drawn.returncode != 0:
        raise CommandError(
            f"Graphviz's dot could not draw {target}: {drawn.stderr.strip()}",
            hint="write FILE.dot instead and look at the text",
        )
    if not quiet:
        print(f"provenance graph written to {target}")
    return target


def _show(data: Info) -> None:
    if job := data.get("job"):
        print_fields(
            [
                ("job", f"{job['id']} ({job['state']}, exit status {job['exit_status']})"),
                ("config", job["config_file"]),
                ("folder", job["folder"]),
            ]
        )
        print()
    if file := data.get("file"):
        print_fields([("file", file["path"]), ("size", _size(file)), ("hash", file["hash"])])
        print()
    for number, item in enumerate(data["items"]):
        if number:
            print()
        print_fields(_item_fields(item))
    if graph := data.get("graph"):
        print(f"\ngraph: {graph['nodes']} nodes, {graph['edges']} edges in {graph['file']}")


def _item_fields(item: InfoItem) -> list[tuple[str, object]]:
    meta, prov = item["metadata"], item["provenance"]
    fields: list[tuple[str, object]] = [("item", item["item"])]
    if "file_type" in meta and "produced_by" in prov:  # a data product
        fields += [
            ("description", meta["description"] or "-"),
            ("file type", meta["file_type"] or "-"),
            ("authors", _names(meta["authors"])),
            (
                "issues",
                "; ".join(f"{i['description']} (severity {i['severity']})" for i in meta["issues"])
                or "-",
            ),
        ]
        for run in prov["produced_by"]:
            fields.append(("made by", _run_line(run)))
        fields.append(("used by", ", ".join(prov["used_by"]) or "-"))
        fields += _file_fields(item.get("file"))
    elif "files" in meta and "run" in prov:  # a code run
        fields += [
            ("description", meta["description"] or "-"),
            ("run date", meta["run_date"] or "-"),
            ("provenance", _run_line(prov)),
            ("authors", ", ".join(prov["authors"]) or "-"),
        ]
        for role, file in meta["files"].items():
            fields.append((role, file["location"] if file else "-"))
        for output in item.get("outputs", []):
            stored = output["file"]
            where = (stored["path"] if stored else None) or "-"
            fields.append(("output", f"{output['item']} ({output['state']}) {where}"))
        fields.append(("last rerun", _rerun_line(item.get("last_rerun"))))
    fields += [
        ("state", item["state"] + ("" if item["tracked"] else " (not recorded by a job)")),
        ("remote", item["remote"] or "-"),
        ("remote record", item["remote_url"] or "-"),
        ("last sync", item["synced"] or "-"),
        ("job", item["job"] or "-"),
        ("local record", item["local_url"]),
    ]
    return fields


def _rerun_line(rerun: RerunRecord | None) -> str:
    """When, by whom, and whether it came out the same (`fdpctl rerun`)."""
    if rerun is None:
        return "never (`fdpctl rerun` runs it again and compares)"
    when = (rerun["ended"] or rerun["started"])[:19].replace("T", " ")
    if rerun["verdict"] == "identical":
        verdict = f"identical ({rerun['identical']} of {rerun['outputs']} outputs)"
    elif rerun["verdict"] == "differs":
        verdict = f"not identical ({rerun['identical']} of {rerun['outputs']} outputs identical)"
    else:
        verdict = "the model failed"
    return f"{when} UTC by {rerun['username']}: {verdict}, job {rerun['job']}"


def _run_line(run: RunSummary) -> str:
    inputs = ", ".join(run.get("inputs") or []) or "no inputs"
    outputs = ", ".join(run.get("outputs") or []) or "no outputs"
    return f"{inputs} -> {run['run']} -> {outputs}"


def _file_fields(file: FileView | None) -> list[tuple[str, object]]:
    if not file:
        return [("file", "-")]
    missing = " (missing here)" if file["present"] is False else ""
    return [
        ("file", f"{file['path'] or file['location']}{missing}"),
        ("size", _size(file)),
        ("hash", file["hash"] or "-"),
        ("public", _public(file)),
    ]


def _public(file: FileView) -> str:
    """As push decides it: `no (why)` for what push withholds."""
    if file["public"]:
        return "yes"
    return f"no ({file['private']})" if file.get("private") else "no"


def _names(authors: list[AuthorView]) -> str:
    return (
        ", ".join(a["name"] + (f" ({a['identifier']})" if a["identifier"] else "") for a in authors)
        or "-"
    )


def _size(file: FileView | NamedFile) -> str:
    size = file["size"]
    return byte_size(size) if size is not None else "-"
