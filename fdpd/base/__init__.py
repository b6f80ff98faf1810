"""fdpd's base: errors and the one table of their codes, paths, settings, units,
escaping, the daemon API's answer types (`wire.py`), atomic writes, bounded reads, hashing,
cancellation. It imports nothing else of fdpd (the registry server and fdpctl use it too:
fdpctl imports `paths`, `units` and `escaping`, which are standard library only)."""
