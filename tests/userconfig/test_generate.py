"""Generation semantics: wildcards, versions, conflicts, register reads, run_metadata rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.userconfig import ConfigError, ConfigProblem

from .conftest import INSTANT, Generate, detached, git, given_facts

RUN = "run_metadata:\n  description: d\n  script: echo\n"
RAIN = {
    "hydromet": {
        "rain/north": ["1.0.0", "1.2.0"],
        "rain/south": ["0.3.0"],
        "rain/south/hourly": ["0.1.0"],
        "rainy": ["9.0.0"],
    },
    "ana": {"out/a": ["0.1.0"], "out/b": ["1.0.0"]},
}


def failure(
    generate: Generate, text: str, registry: dict | None = None, **ctx: object
) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        generate(text, registry, **ctx)
    return list(caught.value.problems)


def reads(result_data: dict) -> list[tuple[str, str, str]]:
    return [
        (r["data_product"], r["use"]["namespace"], r["use"]["version"])
        for r in result_data.get("read", [])
    ]


def writes(result_data: dict) -> list[tuple[str, str, str]]:
    return [
        (w["data_product"], w["use"]["namespace"], w["use"]["version"])
        for w in result_data.get("write", [])
    ]


def test_wildcard_star_stays_in_one_segment_as_in_faircli(generate: Generate) -> None:
    """`*` is one or more characters of one segment, as FAIR-CLI 0.11.0 expands it: rain/*
    reads rain/north and rain/south, not rain/south/hourly, and says so at the item's line."""
    result = generate(
        RUN + "read:\n  - data_product: x\n    use:\n      data_product: rainy\n"
        "  - data_product: rain/*\n",
        RAIN,
    )
    assert reads(result.data) == [
        ("x", "hydromet", "9.0.0"),
        ("rain/north", "hydromet", "1.2.0"),
        ("rain/south", "hydromet", "0.3.0"),
    ]
    [warning] = result.warnings
    assert (warning.line, warning.key_path) == (8, "read[1].data_product")
    assert "pattern `rain/*` leaves out 1 name" in warning.message
    assert "`rain/south/hourly`" in warning.message
    assert "write `rain/**` to take them too" in warning.message


def test_double_star_reads_any_depth(generate: Generate) -> None:
    result = generate(RUN + "read:\n  - data_product: rain/**\n", RAIN)
    assert [name for name, _, _ in reads(result.data)] == [
        "rain/north",
        "rain/south",
        "rain/south/hourly",
    ]
    [warning] = result.warnings
    assert "it takes `rain/south/hourly`, which FAIR-CLI 0.11.0 did not" in warning.message


def test_double_star_warns_where_faircli_read_it_otherwise(generate: Generate) -> None:
    """FAIR-CLI 0.11.0 has no `**`: it read it as two `*` within one segment."""
    registry = {"hydromet": {"rain/ab": ["1.0.0"], "rain/a/b": ["1.0.0"]}}
    result = generate(RUN + "read:\n  - data_product: rain/**\n", registry)
    assert [name for name, _, _ in reads(result.data)] == ["rain/a/b", "rain/ab"]
    [warning] = result.warnings
    assert (warning.line, warning.key_path) == (5, "read[0].data_product")
    assert warning.message == (
        "`**` in `rain/**` is fdp's any depth: it takes `rain/a/b`, which FAIR-CLI 0.11.0 did "
        "not (it read `**` as two `*` within one name segment: 1 name here)"
    )


def test_star_is_one_or_more_characters(generate: Generate) -> None:
    """`rain*` takes rainy but not rain itself; several `*` each stay in their segment."""
    registry = {"hydromet": {"rain": ["1.0.0"], "rainy": ["1.0.0"], "a/b/c": ["1.0.0"]}}
    result = generate(RUN + "read:\n  - data_product: rain*\n", registry)
    assert [name for name, _, _ in reads(result.data)] == ["rainy"]
    # a pattern that matches only under the fnmatch reading is an error that says so
    [problem] = failure(generate, RUN + "read:\n  - data_product: '*/*'\n", registry)
    assert "matched nothing" in problem.message and "`a/b/c`" in problem.message
    registry["hydromet"]["x/y"] = ["1.0.0"]
    result = generate(RUN + "read:\n  - data_product: '*/*'\n", registry)
    assert [name for name, _, _ in reads(result.data)] == ["x/y"]
    assert "`a/b/c`" in result.warnings[0].message


def test_question_mark_and_brackets_are_not_patterns(generate: Generate) -> None:
    """FAIR-CLI 0.11.0 reads `?` and `[` literally, and no registry name holds them."""
    [problem] = failure(generate, RUN + "read:\n  - data_product: rain/[ns]o?th\n", RAIN)
    assert problem.key_path == "read[0].data_product"
    assert "FAIR-CLI 0.11.0 read them literally" in problem.message


def test_wildcard_read_at_exact_version_skips_names_lacking_it(generate: Generate) -> None:
    result = generate(RUN + 'read:\n  - data_product: rain/*\n    version: "1.0.0"\n', RAIN)
    assert reads(result.data) == [("rain/north", "hydromet", "1.0.0")]


def test_wildcard_read_matching_nothing_is_an_error(generate: Generate) -> None:
    [problem] = failure(generate, RUN + "read:\n  - data_product: stations/*\n", RAIN)
    assert problem.message == "pattern `stations/*` matched nothing in namespace `hydromet`"
    assert (problem.line, problem.key_path) == (5, "read[0].data_product")
    assert "fdpctl pull CONFIG" in problem.suggestion


def test_wildcard_write_expands_existing_and_warns_on_no_match(generate: Generate) -> None:
    result = generate(
        RUN + "write:\n  - data_product: out/*\n    file_type: csv\n    version: ${{MINOR}}\n"
        "  - data_product: new/*\n    file_type: csv\n",
        RAIN,
    )
    assert writes(result.data) == [("out/a", "ana", "0.2.0"), ("out/b", "ana", "1.1.0")]
    [warning] = result.warnings
    assert "write pattern `new/*` matched nothing in namespace `ana`" in warning.message
    assert warning.line == 8


def test_duplicate_write_names_every_entry_with_its_line(generate: Generate) -> None:
    text = RUN + (
        "write:\n  - data_product: catchment/fit\n    file_type: csv\n"
        "  - data_product: other\n    file_type: csv\n"
        "  - data_product: catchment/fit\n    file_type: csv\n"
    )
    found = failure(generate, text)
    assert len(found) == 2  # same alias, and same data product
    assert any(
        "the same data product `ana:catchment/fit` is written twice: write[0] (line 5), "
        "write[2] (line 9)" in p.message
        for p in found
    )


def test_same_product_through_different_aliases_and_patterns(generate: Generate) -> None:
    text = RUN + (
        "write:\n  - data_product: out/*\n    file_type: csv\n"
        "  - data_product: o*/a\n    file_type: csv\n"
    )
    found = failure(generate, text, RAIN)
    assert any(
        "`ana:out/a` is written twice" in p.message and "pattern `o*/a`" in p.message for p in found
    )
    text = RUN + (
        "write:\n  - data_product: one\n    file_type: csv\n    use:\n      data_product: x\n"
        "  - data_product: two\n    file_type: csv\n    use:\n      data_product: x\n"
    )
    [problem] = failure(generate, text, RAIN)
    assert "`ana:x` is written twice: write[0] (line 5), write[1] (line 9)" in problem.message


def test_duplicate_read_alias(generate: Generate) -> None:
    text = RUN + 'read:\n  - data_product: rainy\n  - data_product: rainy\n    version: "9.0.0"\n'
    [problem] = failure(generate, text, RAIN)
    assert "alias `rainy` is read twice: read[0] (line 5), read[1] (line 6)" in problem.message


def test_explicit_read_beats_pattern_match(generate: Generate) -> None:
    text = (
        RUN
        + 'read:\n  - data_product: rain/*\n  - data_product: rain/north\n    version: "1.0.0"\n'
    )
    assert reads(generate(text, RAIN).data) == [
        ("rain/south", "hydromet", "0.3.0"),
        ("rain/north", "hydromet", "1.0.0"),
    ]


def test_missing_input_version_named_with_pull_suggestion(generate: Generate) -> None:
    [problem] = failure(
        generate, RUN + 'read:\n  - data_product: rain/north\n    version: "3.0.0"\n', RAIN
    )
    assert problem.message == "`hydromet:rain/north@3.0.0` is not in the local registry"
    assert problem.suggestion == "run `fdpctl pull CONFIG` to fetch it into the local registry"
    assert (problem.line, problem.key_path) == (6, "read[0].version")
    with pytest.raises(ConfigError) as caught:
        generate(RUN + "read:\n  - data_product: absent\n", RAIN)
    assert "`hydromet:absent` is not in the local registry" in caught.value.message
    assert "fdpctl pull CONFIG" in caught.value.hint


def test_existing_write_version_refused(generate: Generate) -> None:
    """Refused (FAIR-CLI 0.11.0 ran it and lost provenance), saying what FAIR-CLI did and the
    edit that fixes it."""
    text = RUN + 'write:\n  - data_product: out/b\n    file_type: csv\n    version: "1.0.0"\n'
    [problem] = failure(generate, text, RAIN)
    assert problem.message.startswith("`ana:out/b@1.0.0` already exists")
    assert "FAIR-CLI 0.11.0 ran this" in problem.message
    assert problem.suggestion == (
        "write `version: ${{PATCH}}` (here 1.0.1), or an exact version above 1.0.0"
    )
    assert (problem.line, problem.key_path) == (7, "write[0].version")


def test_faircli_run_metadata_accepted_with_located_warnings(generate: Generate) -> None:
    """What FAIR-CLI 0.11.0 runs and fdp used to refuse: no description, a registry URL that is
    none of the remotes, another data store. Each runs, with a warning at its line."""
    text = (
        "run_metadata:\n  script: echo\n"
        "  remote_data_registry_url: https://data.scrc.uk/api/\n"
        "  write_data_store: /tmp/other/\n"
    )
    result = generate(text)
    md = result.data["run_metadata"]
    assert md["description"] == "run of config.yaml"
    assert md["remote_data_registry_url"] == "https://registry.example.org/api/"
    assert md["write_data_store"] == "/home/ana/.fdp/data/"
    shown = {(w.line, w.key_path): w.message for w in result.warnings}
    assert "run_metadata has no description" in shown[(2, "run_metadata")]
    assert shown[(3, "run_metadata.remote_data_registry_url")] == (
        "remote_data_registry_url https://data.scrc.uk/api/ is not one of your remotes; pull and "
        "push use origin; `fdpctl remote add scrc URL` to use it"
    )
    assert "outputs go to `/home/ana/.fdp/data/`" in shown[(4, "run_metadata.write_data_store")]
    alone = generate(text, remote_urls={})
    assert alone.data["run_metadata"]["remote_data_registry_url"] == "http://127.0.0.1:8000/api/"
    assert any("no remote is configured" in w.message for w in alone.warnings)


def test_versions_running_jobs_write_are_never_given_again(generate: Generate) -> None:
    """Bumps go past what running jobs are writing; an exact version one holds is refused,
    naming its job; a `${{RUN_ID}}` name is new in every run, so nothing holds it."""
    holder = "2026-01-02_03_04_05_000006"
    writing = {
        ("ana", "out/b"): {"1.0.0": holder, "0.0.9": "another"},
        ("ana", "out/${{RUN_ID}}"): {"0.0.1": "another"},
    }
    bump = RUN + "write:\n  - data_product: out/b\n    file_type: csv\n"
    result = generate(bump, {"ana": {"out/b": ["0.5.0"]}}, writes_in_progress=writing)
    assert writes(result.data) == [("out/b", "ana", "1.0.1")]
    exact = bump + '    version: "1.0.0"\n'
    [problem] = failure(generate, exact, {}, writes_in_progress=writing)
    assert problem.render() == (
        "config.yaml:7:14: write[0].version: version 1.0.0 of `ana:out/b` is being written by "
        f"job {holder} (wait for it or choose another version)"
    )
    fresh = RUN + 'write:\n  - data_product: "out/${{RUN_ID}}"\n    file_type: csv\n'
    assert writes(generate(fresh, {}, writes_in_progress=writing).data)[0][2] == "0.0.1"


def test_writes_pass_versions_remotes_hold_whose_local_records_went(generate: Generate) -> None:
    """gc or delete removed out/b@1.1.0 and out/c@0.0.1 here; origin still holds them."""
    seen = {("ana", "out/b"): {"1.1.0": "origin"}, ("ana", "out/c"): {"0.0.1": "origin"}}
    bumps = (
        RUN
        + "write:\n"
        + "".join(
            f"  - data_product: {name}\n    file_type: csv\n    version: ${{{{MINOR}}}}\n"
            for name in ("out/b", "out/c")
        )
    )
    assert writes(generate(bumps, RAIN, remote_versions=seen).data) == [
        ("out/b", "ana", "1.2.0"),
        ("out/c", "ana", "0.1.0"),
    ]
    text = RUN + 'write:\n  - data_product: out/c\n    file_type: csv\n    version: "0.0.1"\n'
    [problem] = failure(generate, text, RAIN, remote_versions=seen)
    assert problem.message.startswith("`ana:out/c@0.0.1` exists on remote origin"), problem
    assert "${{PATCH}}" in problem.suggestion
    reads_it = RUN + "read:\n  - data_product: out/c\n    use:\n      namespace: ana\n"
    reads_it += '      version: "0.0.1"\n'
    [problem] = failure(generate, reads_it, RAIN, remote_versions=seen)
    assert "is not in the local registry" in problem.message  # a read needs the local copy


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        (
            "write:\n  - data_product: o\n    file_type: csv\n    version: ${{LATEST}}\n",
            "LATEST}} cannot be used to write",
        ),
        ("read:\n  - data_product: rainy\n    version: ${{PATCH}}\n", "cannot be used to read"),
        (
            'read:\n  - data_product: rainy\n    version: "9.0.0"\n'
            '    use:\n      version: "1.0.0"\n',
            "give only one",
        ),
        ("read:\n  - data_product: rain/*\n    use:\n      data_product: x\n", "wildcard item"),
        (
            "write:\n  - data_product: o\n    file_type: csv\n    version: 0.${{DATE}}\n",
            "not a semantic version",
        ),
        ("read:\n  - data_product: rainy\n    use:\n      cache: /tmp/x.csv\n", "exact version"),
    ],
)
def test_version_and_shorthand_errors(generate: Generate, item: str, fragment: str) -> None:
    found = failure(generate, RUN + item, RAIN)
    assert any(fragment in p.message + p.suggestion for p in found), [p.render() for p in found]


def test_bumps_from_nothing_and_dated_versions(generate: Generate) -> None:
    specs = ["${{PATCH}}", "${{MINOR}}", "${{MAJOR}}", "0.${{DATE}}.0"]
    items = [
        f"  - data_product: n{i}\n    file_type: csv\n    version: {v}\n"
        for i, v in enumerate(specs)
    ]
    text = RUN + "write:\n" + "".join(items)
    assert [w[2] for w in writes(generate(text).data)] == [
        "0.0.1",
        "0.1.0",
        "1.0.0",
        "0.20250305.0",
    ]
    again = {"ana": {"n": ["0.20250305.0"]}}
    text = RUN + "write:\n  - data_product: n\n    file_type: csv\n    version: 0.${{DATE}}.0\n"
    assert "already exists" in failure(generate, text, again)[0].message


def test_register_item_before_any_pull(generate: Generate) -> None:
    text = RUN + (
        "register:\n  - data_product: stations/metadata\n    namespace_name: envagency\n"
        "    root: https://d.example.org/\n    path: s.csv\n    file_type: csv\n"
        "    version: 0.${{DATE}}.0\n"
    )
    [problem] = failure(generate, text)
    assert problem.message == "`envagency:stations/metadata` is not registered locally"
    assert "fdpctl pull CONFIG" in problem.suggestion
    pulled = {("envagency", "stations/metadata", "https://d.example.org/s.csv"): "0.20250101.0"}
    result = generate(
        text,
        {"envagency": {"stations/metadata": ["0.20250101.0"]}},
        pulled_register_versions=pulled,
    )
    assert reads(result.data) == [("stations/metadata", "envagency", "0.20250101.0")]
    [used] = result.job_record.register_versions
    assert used.version == "0.20250101.0" and used.source == "https://d.example.org/s.csv"


def test_run_metadata_defaults_and_errors(generate: Generate) -> None:
    [problem] = failure(generate, "run_metadata:\n  description: d\n")
    assert "needs `script`" in problem.message
    both = "run_metadata:\n  description: d\n  script: echo\n  script_path: x.sh\n"
    assert "not both" in failure(generate, both)[0].message
    no_remote = generate(RUN, remote_urls={})
    assert (
        no_remote.data["run_metadata"]["remote_data_registry_url"] == "http://127.0.0.1:8000/api/"
    )
    same = generate(
        RUN + "  write_data_store: /home/ana/.fdp/data\n  remote_data_registry_url: "
        "https://registry.example.org/api\n"
    )
    assert same.data["run_metadata"]["write_data_store"] == "/home/ana/.fdp/data/"
    [problem] = failure(generate, RUN, default_input_namespace=None)
    assert "no default input namespace" in problem.message
    given = generate(RUN + "  default_input_namespace: mine\n", default_input_namespace=None)
    assert given.data["run_metadata"]["default_input_namespace"] == "mine"
    [problem] = failure(generate, RUN, default_output_namespace=None)
    assert "no default output namespace" in problem.message


def test_script_path_rules(generate: Generate, project: Path) -> None:
    (project / "config.yaml").write_text("x")
    problem = failure(generate, "run_metadata:\n  description: d\n  script_path: config.yaml\n")[0]
    assert "cannot be named config.yaml" in problem.message
    problem = failure(generate, "run_metadata:\n  description: d\n  script_path: missing.sh\n")[0]
    assert "cannot read script" in problem.message and problem.line == 3
    result = generate(
        "run_metadata:\n  description: d\n  script_path: scripts/summarise.sh\n"
        "  shell: julia --project=@.\n"
    )
    assert result.script.source == project / "scripts" / "summarise.sh"
    assert result.script.path.name == "summarise.sh"
    assert result.script.argv == ("julia", "--project=@.", str(result.script.path))


def test_inline_script_substituted_in_value_not_text(generate: Generate, project: Path) -> None:
    result = generate(
        "run_metadata:\n  description: d\n  script: |\n    cd ${{REPO_DIR}}\n"
        "    copy C:\\data\\${{SOURCE_CONFIG}} ${{CONFIG_DIR}}\n"
    )
    assert (
        result.script.content
        == (
            f"cd {project}\ncopy C:\\data\\config.yaml "
            "/home/ana/.fdp/data/jobs/2025-03-05_14_07_09_123456/\n"
        ).encode()
    )
    assert result.script.path.name == "script.sh"


def test_dirty_tree_refused_unless_allowed(git_generate: Generate, git_project: Path) -> None:
    """A real repository: what git calls a changed tracked file."""
    (git_project / "models" / "daily_mean.py").write_text("print(2)\n")
    with pytest.raises(FdpError) as caught:
        git_generate(RUN)
    assert caught.value.code == "dirty_work_tree" and "--dirty" in caught.value.hint
    head = git(git_project, "rev-parse", "HEAD")
    result = git_generate(RUN, dirty_allowed=True)
    assert result.data["run_metadata"]["latest_commit"] == f"{head}-dirty"


def test_git_templates_unavailable(generate: Generate, project: Path) -> None:
    facts = detached(given_facts(project))
    text = "run_metadata:\n  description: on ${{GIT_BRANCH}}\n  script: echo ${{GIT_TAG}}\n"
    found = failure(generate, text, git=facts)
    assert [p.line for p in found] == [2, 3]
    assert "HEAD is detached" in found[0].message
    assert "no tag is reachable" in found[1].message
    assert "needs a git repository" in failure(generate, text, git=None)[0].message


def test_generation_is_deterministic(generate: Generate) -> None:
    text = (
        RUN
        + "read:\n  - data_product: rain/*\nwrite:\n  - data_product: out/*\n    file_type: csv\n"
    )
    first = generate(text, RAIN)
    shuffled = {ns: dict(reversed(list(names.items()))) for ns, names in RAIN.items()}
    shuffled["hydromet"]["rain/north"] = ["1.2.0", "1.0.0"]
    second = generate(text, shuffled)
    assert first.text.encode() == second.text.encode()
    assert first.job_record == second.job_record


def test_job_record_keeps_what_the_working_config_leaves_out(generate: Generate) -> None:
    text = RUN + "  shell: bash -x\n  default_write_version: ${{ MAJOR }}\n  latest_commit: x\n"
    result = generate(text)
    record = result.job_record.to_json()
    assert record["shell"] == "bash" and record["shell_flags"] == ["-x"]
    assert record["default_read_version"] == "${{LATEST}}"
    assert record["default_write_version"] == "${{MAJOR}}"
    assert record["user_config_text"] == text and len(record["user_config_sha1"]) == 40
    assert record["instant"] == INSTANT.isoformat()
    assert record["warnings"] == [w.render() for w in result.warnings]
    assert "latest_commit is ignored" in record["warnings"][0]
    for key in ("shell", "default_write_version", "register", "token"):
        assert key not in result.text


def test_missing_namespace_is_named(generate: Generate) -> None:
    [problem] = failure(
        generate, RUN + "read:\n  - data_product: a\n    namespace: nowhere\n", RAIN
    )
    assert problem.message == (
        "`nowhere:a` is not in the local registry (there is no namespace `nowhere` locally)"
    )
