"""fdpd's features, a folder each, named as users call them: run, pull,
push (with commit and status), gc (with delete), info, users, updates, rerun, daemon check.
They import one another only where one is made of others (rerun, updates)."""
