"""`fdpctl init [--force]`: a starter `config.yaml` for the project in the current folder.

It runs as written: `fdpctl run config.yaml`, then `fdpctl commit JOB` and `fdpctl push`. Its
script is Python with pyDataPipeline, because only a language API records a run (its code run
and outputs) in the registry: a plain shell script would run but leave nothing to commit.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS, CommandError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAME = "config.yaml"

STARTER = """\
# fdp starter config for {project}, written by `fdpctl init`. It runs as written:
#   fdpctl run config.yaml     runs the script below, which writes {product}
#   fdpctl commit JOB          marks that run (JOB: the job id `run` prints) for the next push
#   fdpctl push                publishes it (first: fdpctl remote add origin URL --token-file FILE)
#
# The script is Python and uses pyDataPipeline (pip install data_pipeline_api, in the python3
# on your PATH): only a language API records a run, its code run and outputs, in the registry,
# so a plain shell script would run but leave nothing to commit. Replace it with your model
# (`script: python3 model.py`, run in the project folder), and list what it reads under
# `read:` (then `fdpctl pull config.yaml` brings those in); docs/commands/run.md has more.
run_metadata:
  description: {project} starter run
  # The local registry the script talks to is fdpd's own: `run` writes its URL into the
  # job's working config (http://127.0.0.1:8000/api/ unless fdp's settings move it), so
  # local_data_registry_url is best left out here.
  shell: python3
  script: |
    import csv
    import os

    import data_pipeline_api as pipeline

    token = os.environ["FDP_LOCAL_TOKEN"]
    config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
    handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
    with open(pipeline.link_write(handle, "{product}"), "w", newline="") as table:
        rows = csv.writer(table)
        rows.writerow(["x", "square"])
        rows.writerows([x, x * x] for x in range(5))
    pipeline.finalise(token, handle)
    print("wrote {product}")
write:
  - data_product: {product}
    description: an example table written by the starter script
    file_type: csv
"""


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "init",
        init,
        f"write a starter {CONFIG_NAME} for the project in this folder",
        f"Write {CONFIG_NAME} here: a run of a small Python script (pyDataPipeline) that writes "
        "one example data product to fdp's local registry (fdpd is not asked). It runs as written "
        f"(`fdpctl run {CONFIG_NAME}`); replace the script with your model. An existing "
        f"{CONFIG_NAME} is kept unless --force.",
    )
    parser.add_argument("--force", action="store_true", help=f"overwrite an existing {CONFIG_NAME}")


def init(args: argparse.Namespace, inv: Invocation) -> int:
    project = project_name(os.path.basename(os.getcwd()))
    product = f"{project}/example"
    text = STARTER.format(project=project, product=product)
    _write(CONFIG_NAME, text, args.force)
    if inv.as_json:
        import json

        print(json.dumps({"config": os.path.abspath(CONFIG_NAME), "write": [product]}))
        return SUCCESS
    print(f"wrote {CONFIG_NAME}: a starter run whose script writes the data product {product}")
    if not _has_pydatapipeline():
        print(
            "warning: the python3 on your PATH cannot import data_pipeline_api (pyDataPipeline), "
            "which the script uses: pip install data_pipeline_api",
            file=sys.stderr,
        )
    print(f"next: fdpctl run {CONFIG_NAME}")
    return SUCCESS


def project_name(folder: str) -> str:
    """The folder's name as a data product name part: letters, digits, `._-` only."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder).strip("-.")
    return name.lower() or "project"


def _write(path: str, text: str, force: bool) -> None:
    try:
        with open(path, "w" if force else "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise CommandError(
            f"{os.path.abspath(path)} exists already; nothing was written",
            hint="keep it, or replace it with `fdpctl init --force`",
        ) from None
    except OSError as exc:
        raise CommandError(f"cannot write {os.path.abspath(path)}: {exc.strerror}") from None


def _has_pydatapipeline() -> bool:
    try:
        probe = subprocess.run(
            ["python3", "-c", "import data_pipeline_api"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0
