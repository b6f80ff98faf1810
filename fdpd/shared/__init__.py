"""Feature code several features share, a layer below them: targets and item
states, record closures, the journal's sync ledger, job preparation and folders, pull records,
fdp users."""
