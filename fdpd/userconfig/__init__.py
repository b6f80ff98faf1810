"""User config → fully qualified working config (docs/config.md), as a pure, offline library.

Entry points: `parse_user_config`, `generate_working_config`, `GenerationContext`,
`StaticRegistryView` / `RestRegistryView`, `collect_git_facts`, `project_dir`.
"""

from .context import (
    GenerationContext,
    PulledVersions,
    RemoteVersions,
    UserIdentity,
    WritesInProgress,
)
from .errors import ConfigError, ConfigProblem
from .generate import JobRecord, WorkingConfigResult, generate_working_config
from .git import GitFacts, collect_git_facts, work_tree_top
from .model import UserConfig
from .parse import parse_user_config
from .registry_view import RegistryView, RestRegistryView, StaticRegistryView
from .run_metadata import project_dir
from .script import JobScript, ShellChoice, command

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
