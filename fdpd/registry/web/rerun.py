"""The code-run page's "Last rerun" section: what `fdpctl rerun` found when it last ran the code
run again here (when, by whom, identical or not), from fdp's `fdp_rerun` rows
(`fdpd.registry.reruns`). One function, whatever renders the page."""

from __future__ import annotations

from sqlalchemy import Connection, select

from fdpd.registry.reruns import last_rerun
from fdpd.registry.web.markup import Markup, html
from fdpd.registry.web.queries import RUNS
from fdpd.registry.web.render import fields, link, page_url, when


def rerun_section(conn: Connection, code_run_uuid: str) -> Markup:
    found = last_rerun(conn, code_run_uuid)
    if found is None:
        return html(
            '<p class="note">No rerun recorded in this registry: <code>fdpctl rerun {u}</code> '
            "runs it again and compares its outputs with these.</p>",
            u=code_run_uuid,
        )
    identical, outputs = found["identical"], found["outputs"]
    if found["verdict"] == "identical":
        verdict = html("<b>identical</b> ({n} of {m} outputs)", n=identical, m=outputs)
    elif found["verdict"] == "differs":
        verdict = html(
            "<b>not identical</b> ({n} of {m} outputs identical)", n=identical, m=outputs
        )
    else:
        verdict = html("<b>not reproduced</b>: the model failed in the rerun")
    pairs: list[tuple[str, object]] = [
        ("rerun", html("{t} by {u}", t=when(found["ended"]), u=found["username"])),
        ("verdict", verdict),
        ("job", html("<code>{j}</code>", j=found["job"])),
    ]
    if found["kept"] and found["new_code_run_uuid"]:
        pairs.append(("kept as", _run_link(conn, found["new_code_run_uuid"])))
    return fields(pairs)


def _run_link(conn: Connection, uuid: str) -> Markup:
    run_id = conn.execute(select(RUNS.c.id).where(RUNS.c.uuid == uuid)).scalar()
    if run_id is None:
        return html("code run {u} (not in this registry)", u=uuid)
    return link(page_url("code_run", run_id), f"code run {run_id}")
