"""production mode: processed webhook updates, consultation closing times for retention

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_update",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id"),
    )
    op.create_index(op.f("ix_processed_update_processed_at"), "processed_update", ["processed_at"], unique=False)
    op.create_table(
        "consultation_closure",
        sa.Column("consultation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultation_id"),
    )


def downgrade() -> None:
    op.drop_table("consultation_closure")
    op.drop_index(op.f("ix_processed_update_processed_at"), table_name="processed_update")
    op.drop_table("processed_update")
