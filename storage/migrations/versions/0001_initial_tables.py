"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("default_language", sa.String(length=8), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("intro", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("min_segment_size", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("prompt", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consultation_id", "key"),
        sa.UniqueConstraint("consultation_id", "position"),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_consultation_id"), ["consultation_id"], unique=False)

    op.create_table(
        "participant",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("current_consultation_id", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["current_consultation_id"], ["consultation.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id"),
        sa.UniqueConstraint("participant_id"),
    )
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("awaiting", sa.String(length=32), nullable=True),
        sa.Column("profile_done", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "consultation_id"),
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_consultation_id"), ["consultation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolment_participant_id"), ["participant_id"], unique=False)

    op.create_table(
        "option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "position"),
    )
    with op.batch_alter_table("option", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_option_item_id"), ["item_id"], unique=False)

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("normalized", sa.String(length=400), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("reject_reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["participant.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_normalized"), ["normalized"], unique=False)

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["option_id"], ["option.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "item_id"),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_option_id"), ["option_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_participant_id"), ["participant_id"], unique=False)

    op.create_table(
        "pairprompt",
        sa.Column("token", sa.String(length=24), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("left_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("after_skip", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["left_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["right_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token"),
        sa.UniqueConstraint("participant_id", "item_id", "low_id", "high_id"),
    )
    with op.batch_alter_table("pairprompt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairprompt_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairprompt_participant_id"), ["participant_id"], unique=False)

    op.create_table(
        "proposalvote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("qualification", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "proposal_id"),
    )
    with op.batch_alter_table("proposalvote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposalvote_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposalvote_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposalvote_proposal_id"), ["proposal_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("proposalvote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposalvote_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_proposalvote_participant_id"))
        batch_op.drop_index(batch_op.f("ix_proposalvote_item_id"))

    op.drop_table("proposalvote")
    with op.batch_alter_table("pairprompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairprompt_participant_id"))
        batch_op.drop_index(batch_op.f("ix_pairprompt_item_id"))

    op.drop_table("pairprompt")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_participant_id"))
        batch_op.drop_index(batch_op.f("ix_answer_option_id"))
        batch_op.drop_index(batch_op.f("ix_answer_item_id"))

    op.drop_table("answer")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_normalized"))
        batch_op.drop_index(batch_op.f("ix_proposal_item_id"))

    op.drop_table("proposal")
    with op.batch_alter_table("option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_option_item_id"))

    op.drop_table("option")
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_participant_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_consultation_id"))

    op.drop_table("enrolment")
    op.drop_table("contact")
    op.drop_table("participant")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_consultation_id"))

    op.drop_table("item")
    op.drop_table("consultation")
