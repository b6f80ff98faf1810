"""The job process's environment (docs/language-api-contract.md): the fdpctl invocation's own
environment plus the FDP_* variables. The token appears only in FDP_LOCAL_TOKEN."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TOKEN_VARIABLE = "FDP_LOCAL_TOKEN"
ADDED_VARIABLES = (
    "FDP_CONFIG_DIR",
    TOKEN_VARIABLE,
    "FDP_CONFIG_NAME",
    "FDP_SCRIPT",
    "FDP_DATA_STORE",
    "FDP_LOCAL_REPO",
    "PYTHONPATH",
)
HIDDEN = "<hidden>"


def job_environment(
    base: Mapping[str, str],
    *,
    job_folder: Path,
    token: str,
    script: Path,
    data_store: str,
    local_repo: str,
) -> dict[str, str]:
    """`base` (the caller's environment) with the variables every language API expects.

    `data_store` is `write_data_store` as written in the working config (trailing separator).
    """
    env = dict(base)
    previous = env.get("PYTHONPATH")
    env.update(
        {
            "FDP_CONFIG_DIR": str(job_folder),
            TOKEN_VARIABLE: token,
            "FDP_CONFIG_NAME": "config.yaml",
            "FDP_SCRIPT": str(script),
            "FDP_DATA_STORE": data_store,
            "FDP_LOCAL_REPO": local_repo,
            "PYTHONPATH": os.pathsep.join(p for p in (previous, local_repo) if p),
        }
    )
    return env


def shown_environment(env: Mapping[str, str]) -> dict[str, str]:
    """`env` safe to print or record: the token's value replaced."""
    return {k: (HIDDEN if k == TOKEN_VARIABLE else v) for k, v in sorted(env.items())}


def fdp_variables(env: Mapping[str, str]) -> dict[str, str]:
    """Only what fdp added (for `--dry-run` and the job record), token hidden."""
    return shown_environment({k: env[k] for k in ADDED_VARIABLES if k in env})
