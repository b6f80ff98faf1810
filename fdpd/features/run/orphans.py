"""Job scripts that outlived the fdpd that started them.

A script runs in a session of its own (so that stopping a job reaches its children), which also
means it keeps running when fdpd dies without stopping it (SIGKILL, crash). The next fdpd records
such a job as interrupted; this finds the job's processes by the job folder in their environment
(`FDP_CONFIG_DIR`, which every process of the job inherits) and stops their process groups.
Linux only (it reads /proc); elsewhere nothing is found.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from fdpd.features.run.process import group_alive, signal_group

log = logging.getLogger(__name__)

PROC = Path("/proc")
JOB_FOLDER_VARIABLE = b"FDP_CONFIG_DIR="
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL


def stop_job_processes(job_folder: str) -> int:
    """Stop (TERM, then KILL) the process groups of processes of the job in `job_folder`;
    return how many groups there were."""
    groups = _job_process_groups(job_folder)
    for group in groups:
        log.warning(
            "stopping process group %d left running by interrupted job %s",
            group,
            Path(job_folder).name,
        )
        signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while groups and any(group_alive(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.05)
    for group in groups:
        signal_group(group, signal.SIGKILL)
    return len(groups)


def _job_process_groups(job_folder: str) -> set[int]:
    wanted = JOB_FOLDER_VARIABLE + os.fsencode(job_folder)
    groups: set[int] = set()
    for entry in _processes():
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone, or not ours to read
        if wanted in environment:
            with contextlib.suppress(OSError, ValueError):
                groups.add(os.getpgid(int(entry.name)))
    groups.discard(os.getpgid(0))  # never fdpd's own group
    return groups


def _processes() -> list[Path]:
    if not PROC.is_dir():
        return []
    return [entry for entry in PROC.iterdir() if entry.name.isdigit()]
