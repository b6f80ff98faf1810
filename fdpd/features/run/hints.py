"""What a failed job's output says that fdp can turn into a hint (the run summary's warnings):
a model whose Python lacks the language API fails with `ModuleNotFoundError`."""

from __future__ import annotations

import re

# Python's own words for a missing module; the module is the language API's package.
_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '(data_pipeline_api)[.']")
_INSTALL = {
    "data_pipeline_api": (
        "the model could not import data_pipeline_api (pyDataPipeline, the Python language "
        "API): install it into the Python the script runs, with `pip install data-pipeline-api`"
    ),
}


class OutputHints:
    """Watches the script's output lines; `hints()` says what they revealed, once each."""

    def __init__(self) -> None:
        self._found: dict[str, str] = {}

    def watch(self, line: str) -> None:
        if "ModuleNotFoundError" not in line:
            return
        match = _MISSING_MODULE.search(line)
        if match is not None:
            self._found.setdefault(match.group(1), _INSTALL[match.group(1)])

    def hints(self) -> list[str]:
        return list(self._found.values())
