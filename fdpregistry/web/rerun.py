"""The code-run page's "Last rerun" section: what `fdpctl rerun` found when it last ran the code
run again here (when, by whom, identical or not), from fdp's `fdp_rerun` rows
(`fdpregistry.reruns`). One function, whatever renders the page."""

from __future__ import annotations

from sqlalchemy import Connection, select

from fdpregistry.reruns import last_rerun
from fdpregistry.web.queries import RUNS
from fdpregistry.web.render import Code, Link, Parts, Strong, page_url, when


def rerun_fields(conn: Connection, code_run_uuid: str) -> list[tuple[str, object]]:
    """The last rerun's fields (name, value) for the page; none when no rerun is recorded."""
    found = last_rerun(conn, code_run_uuid)
    if found is None:
        return []
    identical, outputs = found["identical"], found["outputs"]
    verdict: object
    if found["verdict"] == "identical":
        verdict = Parts((Strong("identical"), f" ({identical} of {outputs} outputs)"))
    elif found["verdict"] == "differs":
        verdict = Parts((Strong("not identical"), f" ({identical} of {outputs} outputs identical)"))
    else:
        verdict = Parts((Strong("not reproduced"), ": the model failed in the rerun"))
    pairs: list[tuple[str, object]] = [
        ("rerun", f"{when(found['ended'])} by {found['username']}"),
        ("verdict", verdict),
        ("job", Code(found["job"])),
    ]
    if found["kept"] and found["new_code_run_uuid"]:
        pairs.append(("kept as", _run_link(conn, found["new_code_run_uuid"])))
    return pairs


def _run_link(conn: Connection, uuid: str) -> object:
    run_id = conn.execute(select(RUNS.c.id).where(RUNS.c.uuid == uuid)).scalar()
    if run_id is None:
        return f"code run {uuid} (not in this registry)"
    return Link(page_url("code_run", run_id), f"code run {run_id}")
