"""fdpd's core, below the HTTP layer: the daemon context and its typed services, journaled
operations, the local registry's supervisor, write reservations.

Features (jobs, pulling, tracking, housekeeping, inspect, update checks) build on it; it
imports none of them, and neither FastAPI nor the daemon API (`.importlinter`).
"""
