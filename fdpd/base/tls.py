"""One TLS context for every HTTP client fdpd makes.

httpx builds a new SSLContext for each client it creates, loading the whole CA bundle: about
60 ms of CPU and 0.8 MiB of native memory each time, even for a client that only ever talks
plain HTTP to the local registry. fdpd makes several clients per run, commit and push, and a
client caught in a reference cycle keeps its context until Python's full garbage collection:
a soak of 400 cycles saw fdpd's RSS climb by 30-50 MiB that way. The context is built the way
httpx builds its default one (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), once, and shared: an
SSLContext may serve any number of connections and threads.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """httpx's default verifying context, made once per process."""
    return httpx.create_ssl_context()
