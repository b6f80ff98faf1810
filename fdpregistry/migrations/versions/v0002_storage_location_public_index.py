"""Index `storage_location.public` (the web view's privacy filter).

Registries made before it was in the models got it from a hand patch at start-up (`create_index
checkfirst`), so some databases have it already: it is created only when missing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_INDEX = "ix_storage_location_public"


def upgrade() -> None:
    indexes = sa.inspect(op.get_bind()).get_indexes("storage_location")
    if _INDEX not in {index["name"] for index in indexes}:
        op.create_index(_INDEX, "storage_location", ["public"])
