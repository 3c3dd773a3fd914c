"""budget eligibility: who passed a budget item's check (phone hash or invitation), and the invitation codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "participant_id"),
        sa.UniqueConstraint("item_id", "phone_hash"),
    )
    op.create_index(op.f("ix_budget_pass_item_id"), "budget_pass", ["item_id"], unique=False)
    op.create_index(op.f("ix_budget_pass_participant_id"), "budget_pass", ["participant_id"], unique=False)
    op.create_table(
        "budget_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "code_hash"),
    )
    op.create_index(op.f("ix_budget_code_item_id"), "budget_code", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_budget_code_item_id"), table_name="budget_code")
    op.drop_table("budget_code")
    op.drop_index(op.f("ix_budget_pass_participant_id"), table_name="budget_pass")
    op.drop_index(op.f("ix_budget_pass_item_id"), table_name="budget_pass")
    op.drop_table("budget_pass")
