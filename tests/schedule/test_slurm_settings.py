"""fdpd's `scheduler:` and `slurm:` settings (issue 25): read as written, and a bad value or
unknown key names the file and line. In process: no cluster needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.base.paths import resolve_locations
from fdpd.base.settings import load_settings


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("scheduler: pbs\n", "config.yaml:1: scheduler must be local or slurm"),
        ("slurm:\n  sbatch_args: --mem=1G\n", "config.yaml:2: slurm.sbatch_args must be a list"),
        ("slurm:\n  partiton: short\n", "unknown key `partiton`"),
    ],
)
def test_bad_slurm_settings_name_the_line(tmp_path: Path, text: str, said: str) -> None:
    locations = resolve_locations({"FDP_HOME": str(tmp_path)})
    locations.config_file.parent.mkdir(parents=True)
    locations.config_file.write_text(text)
    with pytest.raises(FdpError) as error:
        load_settings(locations, environ={})
    assert said in error.value.message


def test_slurm_settings_are_read(tmp_path: Path) -> None:
    locations = resolve_locations({"FDP_HOME": str(tmp_path)})
    locations.config_file.parent.mkdir(parents=True)
    locations.config_file.write_text(
        "scheduler: slurm\nslurm:\n  partition: debug\n  time: '0:10:00'\n"
        "  sbatch_args: [--mem=1G]\n"
    )
    settings = load_settings(locations, environ={})
    assert settings.scheduler == "slurm"
    assert (settings.slurm.partition, settings.slurm.time) == ("debug", "0:10:00")
    assert settings.slurm.sbatch_args == ("--mem=1G",)
