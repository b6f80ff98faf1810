"""Alembic's environment: migrations run on the connection `upgrade` hands over (never a URL
from a config file)."""

from __future__ import annotations

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
