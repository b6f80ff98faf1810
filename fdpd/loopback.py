"""Whether a request's Host header names this machine (fdpd's API and the local registry
refuse other hosts: a DNS-rebinding page would send its own name)."""

from __future__ import annotations

LOCAL_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


def host_is_local(host_header: str) -> bool:
    host = host_header.strip().lower()
    # "[::1]:8765" keeps its brackets; "localhost:8765" loses its port.
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    return host in LOCAL_HOST_NAMES
