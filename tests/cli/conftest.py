"""The push area's real fdp site (`ana`, fdpd with a user) and shared remote registry."""

from tests.push.processes import ana, remote

__all__ = ["ana", "remote"]
