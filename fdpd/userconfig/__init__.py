"""User config → fully qualified working config (docs/config.md), as a pure, offline library.

Entry points: `parse_user_config`, `generate_working_config`, `GenerationContext`,
`StaticRegistryView` / `RestRegistryView`, `collect_git_facts`, `project_dir`.
"""

from fdpd.userconfig.context import (
    GenerationContext,
    PulledVersions,
    RemoteVersions,
    UserIdentity,
    WritesInProgress,
)
from fdpd.userconfig.errors import ConfigError, ConfigProblem
from fdpd.userconfig.generate import JobRecord, WorkingConfigResult, generate_working_config
from fdpd.userconfig.git import GitFacts, collect_git_facts, work_tree_top
from fdpd.userconfig.model import UserConfig
from fdpd.userconfig.parse import parse_user_config
from fdpd.userconfig.registry_view import RegistryView, RestRegistryView, StaticRegistryView
from fdpd.userconfig.run_metadata import project_dir
from fdpd.userconfig.script import JobScript, ShellChoice, command

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "GenerationContext",
    "GitFacts",
    "JobRecord",
    "JobScript",
    "PulledVersions",
    "RegistryView",
    "RemoteVersions",
    "RestRegistryView",
    "ShellChoice",
    "StaticRegistryView",
    "UserConfig",
    "UserIdentity",
    "WorkingConfigResult",
    "WritesInProgress",
    "collect_git_facts",
    "command",
    "generate_working_config",
    "parse_user_config",
    "project_dir",
    "work_tree_top",
]
