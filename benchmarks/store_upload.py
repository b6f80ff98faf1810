"""Throughput of the folder data store: SHA-1 hashing, and uploads through a real registry.

    .venv/bin/python benchmarks/store_upload.py [--mib 256] [--files 200]

Starts `fdpd registry serve --shared --data-store DIR` on a free loopback port, then
1. hashes one file of --mib MiB with `sha1_file` (MiB/s),
2. uploads it: POST /api/data/<sha1> → PUT to the signed URL, the registry hashing while it
   writes (MiB/s, end to end over loopback),
3. uploads --files small (4 KiB) distinct files one after another (uploads/s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from fdpd.store import sha1_bytes, sha1_file

FDPD = Path(sys.executable).with_name("fdpd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_registry(workdir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    token_file = workdir / "admin-token"
    command = [str(FDPD), "registry", "serve", "--port", str(port), "--shared"]
    command += ["--database", f"sqlite:///{workdir / 'registry.db'}"]
    command += ["--data-store", str(workdir / "files"), "--admin-token-file", str(token_file)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/fdp/identity").status_code == 200:
                return process, base, token_file.read_text().strip()
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("registry did not start")


def upload(client: httpx.Client, base: str, sha1: str, content: object) -> None:
    answer = client.post(f"{base}/api/data/{sha1}")
    answer.raise_for_status()
    client.put(answer.json()["url"], content=content).raise_for_status()  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fdp-bench-"))
    big = workdir / "big.bin"
    with open(big, "wb") as stream:
        for _ in range(args.mib):
            stream.write(os.urandom(1024 * 1024))
    process, base, token = start_registry(workdir)
    try:
        started = time.perf_counter()
        sha1 = sha1_file(big)
        hashed = time.perf_counter() - started
        print(f"sha1_file: {args.mib / hashed:.0f} MiB/s ({args.mib} MiB)")

        headers = {"Authorization": f"token {token}"}
        with httpx.Client(headers=headers, timeout=600) as client:
            started = time.perf_counter()
            with open(big, "rb") as stream:
                upload(client, base, sha1, iter(lambda: stream.read(1024 * 1024), b""))
            elapsed = time.perf_counter() - started
            print(f"upload {args.mib} MiB: {args.mib / elapsed:.0f} MiB/s end to end")

            payloads = [os.urandom(4096) for _ in range(args.files)]
            started = time.perf_counter()
            for payload in payloads:
                upload(client, base, sha1_bytes(payload), payload)
            elapsed = time.perf_counter() - started
            print(f"small uploads: {args.files / elapsed:.0f} files/s (4 KiB each)")
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
