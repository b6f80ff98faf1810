"""The shared reference-registry helper starts a real reference registry that answers its API."""

from __future__ import annotations

import httpx

from tests.reference_registry import reference_registry


def test_reference_registry_with_s3_answers_with_token() -> None:
    with reference_registry(s3=True) as ref:
        answer = httpx.get(ref.api_url, headers=ref.headers, timeout=30)
        assert answer.status_code == 200
        assert "code_run" in answer.json()
        assert ref.count("code_run") == 0
        root = httpx.get(f"{ref.api_url}storage_root/", headers=ref.headers, timeout=30)
        assert root.status_code == 200
