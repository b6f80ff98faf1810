"""The daemon API's OpenAPI document, built in process once per module that imports `openapi`
(tests/docs checks docs/daemon-api.md against it, tests/daemon/test_protocol.py its types)."""

from __future__ import annotations

from typing import Any

import pytest

from fdpd.base.paths import resolve_locations
from fdpd.base.settings import DaemonSettings
from fdpd.core.context import DaemonContext
from fdpd.journal import Journal
from fdpd.server.app import create_app


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    locations = resolve_locations({"FDP_HOME": str(tmp_path_factory.mktemp("fdp"))})
    locations.ensure()
    journal = Journal.open(locations.journal_path)
    try:
        context = DaemonContext(locations=locations, journal=journal, settings=DaemonSettings())
        document: dict[str, Any] = create_app(context).openapi()
    finally:
        journal.close()
    return document
