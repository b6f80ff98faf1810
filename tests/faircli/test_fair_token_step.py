"""`fair init --ci` / `fair registry start` in one fdp step (issue 24): `fdpctl registry start`
leaves the active user's token in ~/.fair/registry/token, so model code run by hand (R and Java
fall back to that file; pyDataPipeline's own CI reads it) needs no job first."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import free_port
from tests.fdp_process import FdpInstance


def test_registry_start_writes_the_fair_token_for_model_code_run_by_hand() -> None:
    with tempfile.TemporaryDirectory(prefix="fdp-fair-token-", dir="/tmp") as folder:
        root = Path(folder)
        with FdpInstance(root / "home", {"FDP_REGISTRY_PORT": str(free_port())}) as fdp:
            fdp.start_daemon()
            configured = fdp.run_fdpctl("config", "ana", "--data-store", str(root / "store"))
            assert configured.returncode == 0, configured.stderr
            fair_token = fdp.locations.fair_registry_token_path
            fair_token.unlink(missing_ok=True)  # whatever `config` left, start writes it

            started = fdp.run_fdpctl("registry", "start", timeout=120)

            assert started.returncode == 0, started.stderr
            user_token = (fdp.home / "data" / "tokens" / "ana.token").read_text().strip()
            assert fair_token.read_text().strip() == user_token
            assert fair_token.stat().st_mode & 0o777 == 0o600
            fdp.run_fdpctl("registry", "stop")
            fdp.run_fdpctl("daemon", "stop")
