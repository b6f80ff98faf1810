"""This machine's own addresses: whether a request's Host header names this machine (fdpd's API
and the local registry refuse other hosts: a DNS-rebinding page would send its own name), and
whether a URL a remote names leads to this machine or its link (`internal_host`): a remote's
storage root, upload URL or redirect must not make fdp reach the services only this machine can
(a local registry, a database's HTTP port, a cloud's metadata service at 169.254.169.254)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

LOCAL_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


def host_is_local(host_header: str) -> bool:
    host = host_header.strip().lower()
    # "[::1]:8765" keeps its brackets; "localhost:8765" loses its port.
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    return host in LOCAL_HOST_NAMES


def internal_address(address: str) -> str | None:
    """What kind of internal address `address` (an IP address) is: "loopback", "link-local"
    or "unspecified"; None for any other address (or what is not an IP address)."""
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])  # fe80::1%eth0: without its zone
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    return None


async def internal_host(host: str) -> str | None:
    """`host` (a name or an IP address) as "ADDRESS, a KIND address" if it is, or any address it
    resolves to is, internal (`internal_address`); None otherwise, also when it does not resolve
    (connecting then fails on its own)."""
    host = host.strip("[]")
    kind = internal_address(host)
    if kind is not None:
        return f"{host}, a {kind} address"
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        address = str(info[4][0])
        kind = internal_address(address)
        if kind is not None:
            return f"{address}, a {kind} address"
    return None
