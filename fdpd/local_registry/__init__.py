"""fdp's local registry as the daemon runs and asks it: its process (`supervisor.py`), or one it
does not run (`external.py`, `registry: url:`), the daemon's one supervisor and its lifecycle
events (`lifecycle.py`), the registry as features reach it (`access.py`)."""
