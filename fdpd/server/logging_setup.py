"""fdpd logs to stderr (journald/launchd add timestamps there) and to a rotating file."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"
MAX_LOG_BYTES = 5 * 1024 * 1024
KEPT_LOG_FILES = 3


def configure_logging(log_path: Path, level: str) -> None:
    log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    stderr = logging.StreamHandler(sys.stderr)
    # Under journald the timestamp is added for us; elsewhere put it in.
    stderr.setFormatter(logging.Formatter(STDERR_FORMAT if _stderr_is_journal() else FILE_FORMAT))
    to_file = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=MAX_LOG_BYTES, backupCount=KEPT_LOG_FILES, encoding="utf-8"
    )
    to_file.setFormatter(logging.Formatter(FILE_FORMAT))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(stderr)
    root.addHandler(to_file)
    root.setLevel(level.upper())
    # uvicorn's access log would repeat what fdpd.requests logs; it is switched off in Config.
    logging.getLogger("uvicorn.access").disabled = True


def _stderr_is_journal() -> bool:
    """Whether stderr is journald's stream: systemd sets JOURNAL_STREAM to its `device:inode`.
    A shell of a desktop session often inherits the variable, and the fdpd fdpctl starts from
    it writes to a file (whose lines fdpctl reads back), not to the journal."""
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return os.environ.get("JOURNAL_STREAM") == f"{stat.st_dev}:{stat.st_ino}"
