"""Parsing and validating user configs: located problems, suggestions, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fdpd.userconfig import ConfigError, ConfigProblem, parse_user_config

MINIMAL = "run_metadata:\n  description: d\n  script: echo\n"


def problems(text: str) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        parse_user_config(text, "config.yaml")
    return list(caught.value.problems)


def only(text: str) -> ConfigProblem:
    found = problems(text)
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


def test_typo_in_key_is_located_with_suggestion() -> None:
    text = MINIMAL + "write:\n  - data_product: out\n    file_typ: csv\n"
    found = problems(text)
    typo = next(p for p in found if "unknown key" in p.message)
    assert (typo.line, typo.column, typo.key_path) == (6, 5, "write[0].file_typ")
    assert typo.suggestion == "did you mean `file_type`?"
    assert any(p.message == "`file_type` is required" for p in found)
    assert "config.yaml:6:5: write[0].file_typ: unknown key" in ConfigError(found).message


def test_several_problems_reported_at_once() -> None:
    text = "run_metadata:\n  descriptoin: x\n  shel: bash\nread:\n  - use: {}\n"
    found = problems(text)
    assert [p.line for p in found] == [2, 3, 5]
    assert "3 problems" in ConfigError(found).message


def test_yaml_number_version_rejected() -> None:
    problem = only(MINIMAL + "read:\n  - data_product: a\n    version: 1.0\n")
    assert problem.key_path == "read[0].version"
    assert (problem.line, problem.column) == (6, 14)
    assert "got the number 1.0" in problem.message
    assert problem.suggestion == 'quote it and give three parts, e.g. "1.0.0"'


@pytest.mark.parametrize("version", ['"1.0"', '"v1.0.0"', '"01.0.0"', '"0.0.0"'])
def test_inexact_versions_rejected(version: str) -> None:
    problem = only(MINIMAL + f"read:\n  - data_product: a\n    use:\n      version: {version}\n")
    assert problem.key_path == "read[0].use.version"


def test_malformed_yaml_is_located() -> None:
    problem = only("run_metadata:\n  description: [unclosed\n  script: x\n")
    assert problem.message.startswith("malformed YAML")
    assert problem.line == 3
    assert only("run_metadata:\n\tdescription: tab\n").line == 2


def test_local_token_refused_with_explanation() -> None:
    problem = only("run_metadata:\n  description: d\n  script: Rscript fit.R ${{LOCAL_TOKEN}}\n")
    assert problem.key_path == "run_metadata.script"
    assert "${{LOCAL_TOKEN}} is not supported" in problem.message
    assert "FDP_LOCAL_TOKEN" in problem.suggestion


def test_token_key_refused() -> None:
    problem = only(MINIMAL + "  token: abc\n")
    assert "FDP_LOCAL_TOKEN" in problem.suggestion


@pytest.mark.parametrize(
    ("snippet", "allowed"),
    [
        ("write:\n  - data_product: out/${{RUN_ID}}\n    file_type: csv\n", True),
        (
            "write:\n  - data_product: o\n    file_type: csv\n    use:\n"
            "      data_product: x-${{ RUN_ID }}\n",
            True,
        ),
        ("read:\n  - data_product: in/${{RUN_ID}}\n", False),
        ("write:\n  - data_product: o\n    description: ${{RUN_ID}}\n    file_type: csv\n", False),
        ("write:\n  - data_product: o\n    file_type: csv\n    namespace: ${{RUN_ID}}\n", False),
    ],
)
def test_run_id_placement(snippet: str, allowed: bool) -> None:
    if allowed:
        parse_user_config(MINIMAL + snippet, "config.yaml")
    else:
        assert "RUN_ID" in only(MINIMAL + snippet).message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("${{CONFIG_PATH}}", "unknown template variable ${{CONFIG_PATH}}"),
        ("${{date}}", "did you mean ${{DATE}}"),
        ("${{BUILD}}", "not supported"),
        ("${{DATETIME-%Y %m}}", "bad ${{DATETIME-<fmt>}}"),
        ("${{DATE", "not closed"),
        ("${{LATEST}}", "version token"),
    ],
)
def test_bad_templates(value: str, fragment: str) -> None:
    problem = only(f'run_metadata:\n  description: "{value}"\n  script: echo\n')
    assert fragment in problem.message + problem.suggestion
    if "unknown" in fragment:
        assert "${{GIT_BRANCH}}" in problem.message  # lists the supported ones


def test_token_mixed_with_text_in_version() -> None:
    problem = only(
        MINIMAL + "write:\n  - data_product: o\n    file_type: csv\n    version: ${{MAJOR}}.1\n"
    )
    assert "whole version" in problem.message


def test_template_in_key_is_an_error() -> None:
    assert "keys" in only(MINIMAL + "  ${{DATE}}: x\n").message


@pytest.mark.parametrize(
    ("snippet", "key_path"),
    [
        ("read:\n  - data_product: a/{b,c}\n", "read[0].data_product"),
        ("read:\n  - data_product: a\n    namespace: n*\n", "read[0].namespace"),
        (
            "read:\n  - data_product: a\n    use:\n      data_product: a*\n",
            "read[0].use.data_product",
        ),
        ("register:\n  - namespace: e*\n", "register[0].namespace"),
    ],
)
def test_bad_wildcards(snippet: str, key_path: str) -> None:
    assert only(MINIMAL + snippet).key_path == key_path


def test_duplicate_key() -> None:
    problem = only(MINIMAL + "  description: again\n")
    assert "duplicate key" in problem.message and "line 2" in problem.message


def test_empty_lists_equal_missing() -> None:
    config = parse_user_config(MINIMAL + "read: []\nwrite:\nregister: []\n", "config.yaml")
    assert config.read == () and config.write == () and config.register == ()


def test_shorthands_and_positions_kept() -> None:
    config = parse_user_config(
        MINIMAL + "write:\n  - data_product: o\n    file_type: csv\n    use:\n"
        '      version: "1.2.3"\n',
        "config.yaml",
    )
    version = config.write[0].use_version
    assert version is not None and version.value == "1.2.3"
    assert (version.where.key_path, version.where.line) == ("write[0].use.version", 8)


EXTERNAL = """register:
  - external_object: stations
    root: https://data.example.org/
    path: s.csv
    title: Stations
    identifier: https://doi.org/10.1/x
    file_type: csv
    version: "1.0.0"
    primary: true
"""


def test_register_valid_items() -> None:
    config = parse_user_config(
        MINIMAL + EXTERNAL + "  - author: ana\n    name: Ana\n"
        "  - data_product: raw\n    root: /srv/data/\n    path: raw.csv\n    file_type: csv\n"
        "    version: ${{PATCH}}\n    use:\n      namespace: ext\n",
        "config.yaml",
    )
    kinds = [item.kind for item in config.register]
    assert kinds == ["external_object", "author", "data_product"]
    assert config.register[0].source_url == "https://data.example.org/s.csv"
    namespace = config.register[2].namespace_field()
    assert namespace is not None and namespace.value == "ext"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("    primary: true\n", "    primary: true\n    data_product: x\n"), "exactly one of"),
        (("  - external_object: stations\n", "  - title2: stations\n"), "exactly one of"),
        (("    primary: true\n", ""), "`primary` is required"),
        (("    primary: true\n", "    primary: yes please\n"), "true or false"),
        (("    identifier: https://doi.org/10.1/x\n", ""), "unique_name"),
        (
            ("    identifier: https://doi.org/10.1/x\n", "    identifier: x\n    unique_name: u\n"),
            "not both",
        ),
        (("    root: https://data.example.org/\n", "    root: data/\n"), "`root` must"),
        (("    primary: true\n", "    primary: true\n    no_file: true\n"), "cannot be given"),
        (("    primary: true\n", "    primary: true\n    colour: red\n"), "unknown key"),
    ],
)
def test_register_shape_errors(change: tuple[str, str], fragment: str) -> None:
    text = MINIMAL + EXTERNAL.replace(*change)
    assert any(fragment in p.message for p in problems(text)), [p.render() for p in problems(text)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- a\n",
        "run_metadata: 3\n",
        "run_metadata:\n  public: maybe\n",
        "read: 5\n",
        "run_metadata: {}\nread: [1, 2]\n",
        "!!python/object:os.system x\n",
        "a: *b\n",
    ],
)
def test_odd_documents_give_located_errors(text: str) -> None:
    assert problems(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="run_metadata:descriptonwe -\n\t[]{}*$\"'&!#|>", max_size=80))
def test_never_a_traceback(text: str) -> None:
    try:
        parse_user_config(text, "config.yaml")
    except ConfigError as exc:
        assert exc.problems and all(p.file == "config.yaml" for p in exc.problems)


@pytest.mark.parametrize(
    ("written", "taken"),
    [('"false"', False), ('"True"', True), ("1", True), ('"0"', False), ('"off"', False)],
)
def test_fair_cli_bool_values_are_coerced_with_a_located_warning(written: str, taken: bool) -> None:
    """FAIR-CLI validates with pydantic v1, which takes these for booleans; pySimpleModel's
    own SEIRSconfig.yaml says `primary: "false"`."""
    text = MINIMAL + EXTERNAL.replace("primary: true", f"primary: {written}")
    config = parse_user_config(text, "config.yaml")
    [item] = config.register
    assert item.fields["primary"].value is taken
    [(where, message)] = config.coerced
    assert (where.line, where.key_path) == (12, "register[0].primary")
    assert message.startswith(f"{written} taken as {str(taken).lower()}")


@pytest.mark.parametrize(
    ("written", "taken"),
    [("2020", "2020"), ("007", "7"), ("1.50", "1.5"), ("yes", "True"), ("0x1F", "31")],
)
def test_numbers_and_booleans_where_text_is_expected_become_fair_clis_text(
    written: str, taken: str
) -> None:
    """pydantic v1's `str` fields take a YAML number or boolean as `str(value)`: so does fdp,
    saying where and how to keep the value as written."""
    text = MINIMAL + f"write:\n  - data_product: out\n    description: {written}\n"
    text += f"    file_type: csv\n    use:\n      namespace: {written}\n"
    config = parse_user_config(text, "config.yaml")
    [item] = config.write
    assert item.description is not None and item.description.value == taken
    assert item.use_namespace is not None and item.use_namespace.value == taken
    warnings = [(where.line, where.key_path, message) for where, message in config.coerced]
    assert [line for line, _, _ in warnings] == [6, 9]
    assert all(f'taken as the text "{taken}"' in message for _, _, message in warnings)
    if written != taken:
        assert f'quote it ("{written}")' in warnings[0][2]


def test_quoted_text_is_kept_as_written() -> None:
    text = MINIMAL + 'write:\n  - data_product: out\n    description: "007"\n    file_type: csv\n'
    config = parse_user_config(text, "config.yaml")
    assert config.write[0].description is not None
    assert config.write[0].description.value == "007" and not config.coerced


def test_deeply_nested_yaml_is_a_located_problem_not_a_crash() -> None:
    deep = MINIMAL + "read:\n  - " + "[" * 1000 + "]" * 1000 + "\n"
    problem = only(deep)
    assert "nests more than 64 levels deep" in problem.message
    assert problem.line == 5


def test_an_alias_bomb_is_refused() -> None:
    bomb = MINIMAL + "x: &a [1]\ny: [" + ", ".join(["*a"] * 2000) + "]\n"
    assert "aliases" in only(bomb).message
