"""juries: one per consultation, its pool of volunteers, its draws

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jury",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audit_salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consultation_id"),
    )
    op.create_table(
        "jury_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jury_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("quotas", sa.JSON(), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("selected", sa.JSON(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["jury_id"], ["jury.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_jury_draw_jury_id"), "jury_draw", ["jury_id"], unique=False)
    op.create_table(
        "jury_volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jury_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("participant_id", sa.String(length=32), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["jury_id"], ["jury.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jury_id", "external_id"),
    )
    op.create_index(op.f("ix_jury_volunteer_jury_id"), "jury_volunteer", ["jury_id"], unique=False)
    op.create_index(op.f("ix_jury_volunteer_participant_id"), "jury_volunteer", ["participant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_jury_volunteer_participant_id"), table_name="jury_volunteer")
    op.drop_index(op.f("ix_jury_volunteer_jury_id"), table_name="jury_volunteer")
    op.drop_table("jury_volunteer")
    op.drop_index(op.f("ix_jury_draw_jury_id"), table_name="jury_draw")
    op.drop_table("jury_draw")
    op.drop_table("jury")
