"""jury panels: each drawn volunteer's seat and answer to the jury call; a volunteer once per jury

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jury_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jury_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["jury_draw.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["jury_id"], ["jury.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["jury_volunteer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jury_id", "volunteer_id"),
    )
    with op.batch_alter_table("jury_member") as batch:
        batch.create_index(batch.f("ix_jury_member_draw_id"), ["draw_id"], unique=False)
        batch.create_index(batch.f("ix_jury_member_jury_id"), ["jury_id"], unique=False)
    with op.batch_alter_table("jury") as batch:
        batch.add_column(sa.Column("refill_due", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("refill_problem", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
    with op.batch_alter_table("jury_volunteer") as batch:
        batch.create_unique_constraint("uq_jury_volunteer_participant", ["jury_id", "participant_id"])


def downgrade() -> None:
    with op.batch_alter_table("jury_volunteer") as batch:
        batch.drop_constraint("uq_jury_volunteer_participant", type_="unique")
    with op.batch_alter_table("jury") as batch:
        batch.drop_column("refill_problem")
        batch.drop_column("refill_due")
    with op.batch_alter_table("jury_member") as batch:
        batch.drop_index(batch.f("ix_jury_member_jury_id"))
        batch.drop_index(batch.f("ix_jury_member_draw_id"))
    op.drop_table("jury_member")
