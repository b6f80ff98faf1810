"""Table `fdp_rerun`: `fdpctl rerun`'s verdicts, which fdpd records through `POST /fdp/reruns`
for the web view's code-run page (fdp's extension; never pushed).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("fdp_rerun"):
        return
    op.create_table(
        "fdp_rerun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_run_uuid", sa.String(length=36), nullable=False),
        sa.Column("ended", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("identical", sa.Integer(), nullable=False),
        sa.Column("outputs", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("new_code_run_uuid", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_fdp_rerun_code_run_uuid", "fdp_rerun", ["code_run_uuid"], unique=False)
