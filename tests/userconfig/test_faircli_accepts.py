"""Configs FAIR-CLI 0.11.0 accepts that fdp used to refuse (issue 24): register authors without
`name`, read the way FAIR-CLI read them, with a located warning where fdp differs."""

from __future__ import annotations

from pathlib import Path

from fdpd.features.pull.plan import plan_pull
from fdpd.journal.models import FdpUser

REGISTRY = "http://127.0.0.1:8000/api/"
USER = FdpUser(
    username="ana",
    full_name="Ana Example",
    namespace="ana",
    data_store="/home/ana/.fdp/data/",
    token_file="/home/ana/.fdp/token",
    author_url="/api/author/1/",
    author_uuid="5f1c0e2a",
    configured="2025-03-05T14:07:09Z",
)


def test_register_author_without_name_is_named_by_its_key(tmp_path: Path) -> None:
    """FAIR-CLI 0.11.0 registered the `author:` value as the author's name and never read
    `name`; fdp does the same without `name`, and says so when `name` differs."""
    text = (
        "run_metadata:\n  description: d\n"
        "register:\n"
        "  - author: Ana Example\n    identifier: https://orcid.org/0000-0002-1825-0097\n"
        "  - author: bo\n    name: Bo Builder\n"
    )
    plan = plan_pull(text, "config.yaml", tmp_path, USER, REGISTRY)
    assert [(a.key, a.name) for a in plan.authors] == [
        ("Ana Example", "Ana Example"),
        ("bo", "Bo Builder"),
    ]
    assert plan.warnings == [
        "config.yaml:7:11: register[1].name: author `bo` is registered with the name "
        "`Bo Builder` (FAIR-CLI 0.11.0 registered the `author:` value, `bo`, as the name)"
    ]


def test_pull_plan_locates_the_remote_url(tmp_path: Path) -> None:
    text = (
        "run_metadata:\n  description: d\n  remote_data_registry_url: https://data.scrc.uk/api/\n"
    )
    plan = plan_pull(text, "config.yaml", tmp_path, USER, REGISTRY)
    assert plan.remote_url == "https://data.scrc.uk/api/"
    assert plan.remote_url_at == "config.yaml:3:29: run_metadata.remote_data_registry_url:"
