"""partner API: keys, pseudonym secret, import references, pair answer index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apikey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_table(
        "pseudonymsecret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "importedref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("local_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consultation_id", "kind", "local_id"),
    )
    with op.batch_alter_table("importedref", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_importedref_consultation_id"), ["consultation_id"], unique=False)

    with op.batch_alter_table("pairprompt", schema=None) as batch_op:
        batch_op.create_index("ix_pairprompt_answered_at_token", ["answered_at", "token"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pairprompt", schema=None) as batch_op:
        batch_op.drop_index("ix_pairprompt_answered_at_token")

    with op.batch_alter_table("importedref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_importedref_consultation_id"))

    op.drop_table("importedref")
    op.drop_table("pseudonymsecret")
    op.drop_table("apikey")
