"""ballot_draft: a budget ballot being filled in, kept server-side until it is sent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ballot_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "item_id"),
    )
    op.create_index(op.f("ix_ballot_draft_item_id"), "ballot_draft", ["item_id"], unique=False)
    op.create_index(op.f("ix_ballot_draft_participant_id"), "ballot_draft", ["participant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ballot_draft_participant_id"), table_name="ballot_draft")
    op.drop_index(op.f("ix_ballot_draft_item_id"), table_name="ballot_draft")
    op.drop_table("ballot_draft")
