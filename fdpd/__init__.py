"""fdpd: the FAIR Data Pipeline sync daemon.

Kept import-free on purpose: fdpctl imports `fdpd.base.paths` and must not pay for FastAPI.
"""

__version__ = "0.1.0"
