"""Join the feature branches (partner keys, organisers, broadcasts, webhook) into one line.

Each of them was written off 0001 at the same time; from here on, every migration follows the one before.

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
"""

revision = "0006"
down_revision = ("0002", "0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
