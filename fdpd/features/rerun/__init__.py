"""`rerun`: run a recorded code run again and say whether it came out the same."""

from fdpd.features.rerun.rerun import RerunRequest, rerun

__all__ = ["RerunRequest", "rerun"]
