"""fdpctl: the thin command-line client of fdpd."""
