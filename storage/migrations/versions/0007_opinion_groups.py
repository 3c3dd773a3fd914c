"""opinion groups: each consultation's latest groups, and the group of each clustered participant

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opinion_groups",
        sa.Column("consultation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("clustered", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("best_k", sa.Integer(), nullable=True),
        sa.Column("last_k", sa.Integer(), nullable=True),
        sa.Column("last_k_count", sa.Integer(), nullable=False),
        sa.Column("votes_count", sa.Integer(), nullable=False),
        sa.Column("votes_max_id", sa.Integer(), nullable=False),
        sa.Column("representative", sa.JSON(), nullable=False),
        sa.Column("statements", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultation_id"),
    )
    op.create_table(
        "opinion_group_member",
        sa.Column("consultation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("group", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultation_id", "participant_id"),
    )
    op.create_index(
        op.f("ix_opinion_group_member_participant_id"), "opinion_group_member", ["participant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_opinion_group_member_participant_id"), table_name="opinion_group_member")
    op.drop_table("opinion_group_member")
    op.drop_table("opinion_groups")
