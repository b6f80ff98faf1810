"""The manual is the MkDocs site in docs/: it builds with `--strict` (every link, anchor and page
in the nav), every fdpctl and fdpd command, subcommand and option is on its page, every key of
fdpd's settings and every `FDP_` variable fdp reads is documented, and .ci/run builds the site
and waits for the dpkg lock. Each list comes from the code itself (argparse parsers, the settings
schema), so a command, option or key added without its documentation fails here."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from fdpctl.cli import build_parser as fdpctl_parser
from fdpd.base.paths import resolve_locations
from fdpd.base.settings import load_settings
from fdpd.base.settings_file import NAMES, SCHEMA, Schema
from fdpd.server.command import build_parser as fdpd_parser
from fdpregistry.cli import build_parser as registry_parser

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
COMMANDS = DOCS / "commands"
HELP_ONLY = {"-h", "--help"}
EVERY_COMMAND = {"--json"}  # docs/commands/index.md documents it once, for every command


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "commands" / "run" / "index.html").is_file()


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n", 1)[1]
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    missing = [page for page in pages if not re.search(rf"(: |- ){re.escape(page)}\n", nav)]
    assert not missing, f"mkdocs.yml's nav does not list: {missing}"


# --- commands ------------------------------------------------------------------------------


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The visible subcommands of `parser` (hidden ones, given no help, are left out)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            visible = {choice.dest for choice in action._choices_actions}
            return {name: sub for name, sub in action.choices.items() if name in visible}
    return {}


def options(parser: argparse.ArgumentParser) -> list[str]:
    """Each option of `parser`, by its long name (its short one if it has none)."""
    found = []
    for action in parser._actions:
        names = [n for n in action.option_strings if n not in HELP_ONLY]
        if names:
            found.append(next((n for n in names if n.startswith("--")), names[0]))
    return found


def commands(
    parser: argparse.ArgumentParser, prefix: str
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(`fdpctl remote add`, its parser) for every command and subcommand, depth first."""
    for name, sub in subcommands(parser).items():
        yield f"{prefix} {name}", sub
        yield from commands(sub, f"{prefix} {name}")


def page_of(command: str) -> Path:
    """The page whose title names the command group (`# ... \\`fdpctl run\\` ...`)."""
    group = " ".join(command.split()[:2])
    for page in sorted(COMMANDS.glob("*.md")):
        title = page.read_text(encoding="utf-8").splitlines()[0]
        if f"`{group}`" in title:
            return page
    raise AssertionError(f"no page in docs/commands/ has `{group}` in its title")


def test_every_fdpctl_command_has_a_page_with_its_options() -> None:
    missing = []
    found = list(commands(fdpctl_parser(), "fdpctl"))
    for command, parser in found:
        text = page_of(command).read_text(encoding="utf-8")
        if command not in text:
            missing.append(f"{page_of(command).name}: {command}")
        missing += [
            f"{page_of(command).name}: {command} {option}"
            for option in options(parser)
            if option not in text and option not in EVERY_COMMAND
        ]
    assert len(found) > 25
    assert not missing, "undocumented commands and options:\n" + "\n".join(missing)


def test_fdpctls_own_options_are_on_the_commands_page() -> None:
    text = (ROOT / "docs/commands/index.md").read_text(encoding="utf-8")
    missing = [o for o in options(fdpctl_parser()) if f"`fdpctl {o}`" not in text and o not in text]
    assert not missing, f"docs/commands/index.md does not document: {missing}"


def test_fdpd_and_its_registry_commands_are_documented() -> None:
    daemon = (ROOT / "docs/commands/daemon.md").read_text(encoding="utf-8")
    missing = [f"fdpd {o}" for o in options(fdpd_parser()) if o not in daemon]
    team = (ROOT / "docs/team-registry.md").read_text(encoding="utf-8")
    for command, parser in commands(registry_parser(), "fdpd registry"):
        if command not in team:
            missing.append(command)
        missing += [f"{command} {o}" for o in options(parser) if o not in team]
    assert not missing, "not in docs/commands/daemon.md or docs/team-registry.md: " + str(missing)


# --- fdpd's settings and environment -------------------------------------------------------


def settings_keys(schema: Schema, prefix: str = "") -> Iterator[str]:
    for key, inner in schema.items():
        name = "NAME" if key == NAMES else key
        yield prefix + name
        if inner is not None:
            yield from settings_keys(inner, f"{prefix}{name}.")


def test_every_settings_key_is_in_the_configuration_page() -> None:
    text = (ROOT / "docs/configuration.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    written = {line.strip().split(":", 1)[0] for line in example.splitlines() if ":" in line}
    written |= {k.strip(" {") for k in re.findall(r"[{,] ?(\w+):", example)}
    keys = list(settings_keys(SCHEMA))
    missing = [k for k in keys if k.split(".")[-1] not in written and not k.endswith("NAME")]
    assert len(keys) > 8
    assert not missing, f"docs/configuration.md's example of fdpd's settings lacks: {missing}"


def test_the_settings_example_is_what_fdpd_reads(tmp_path: Path) -> None:
    text = (ROOT / "docs/configuration.md").read_text(encoding="utf-8")
    locations = resolve_locations({"FDP_HOME": str(tmp_path)})
    locations.config_file.parent.mkdir(parents=True)
    locations.config_file.write_text(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    settings = load_settings(locations, environ={})
    assert settings.schedule.remotes["origin"].auto_update is True


def fdp_variables() -> set[str]:
    """Every `FDP_...` environment variable the code names in a string literal."""
    found: set[str] = set()
    for folder in ("fdpd", "fdpregistry", "fdpctl"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(re.findall(r"[\"'](FDP_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    return found


def test_every_fdp_variable_is_documented() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    variables = fdp_variables()
    internal = {"FDP_REGISTRY_WORKER_SETTINGS"}  # fdpd registry --workers to its own workers
    missing = sorted(v for v in variables - internal if f"`{v}" not in text)
    assert "FDP_REGISTRY_PORT" in variables
    assert not missing, f"no page of docs/ documents: {missing}"


# --- .ci/run -------------------------------------------------------------------------------


CI_RUN = ROOT / ".ci" / "run"


def ci_commands() -> list[str]:
    """.ci/run's command lines (comments and `log` titles left out)."""
    lines = CI_RUN.read_text(encoding="utf-8").splitlines()
    return [s for s in (line.strip() for line in lines) if s and not s.startswith(("#", "log "))]


def test_ci_apt_get_waits_for_the_dpkg_lock() -> None:
    calls = [line for line in ci_commands() if re.search(r"\bapt-get\b", line)]
    assert calls
    assert all("-o DPkg::Lock::Timeout=600" in line for line in calls), calls


def test_ci_builds_the_site_after_lint_and_before_tests() -> None:
    lines = ci_commands()
    build = next(i for i, line in enumerate(lines) if "mkdocs build --strict" in line)
    assert "--site-dir" in lines[build] and "--quiet" not in lines[build]
    tests = next(i for i, line in enumerate(lines) if line.startswith("python -m pytest"))
    assert lines.index("lint-imports --no-cache") < build < tests
