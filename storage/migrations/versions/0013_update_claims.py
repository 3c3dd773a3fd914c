"""update claims: several webhook replicas on one database claim each update and take each person's turn

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_update") as batch:
        batch.add_column(sa.Column("person", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("holder", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("running", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_processed_update_person", "processed_update", ["bot_id", "person", "update_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_processed_update_person", table_name="processed_update")
    with op.batch_alter_table("processed_update") as batch:
        batch.drop_column("running")
        batch.drop_column("lease_until")
        batch.drop_column("holder")
        batch.drop_column("person")
