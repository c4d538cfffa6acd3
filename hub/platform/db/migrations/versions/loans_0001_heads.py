"""loans: one head for the loans area (servicing, end-of-day speed, revolving lines)

From here on every migration is ``<area>_<NNNN>_<slug>.py`` with revision id
``<area>_<NNNN>``, one branch (and one head) per area; see docs/DEVELOPING.md.

Revision ID: loans_0001
Revises: s0009, s0006_revolving
"""

revision = "loans_0001"
down_revision = ("s0009", "s0006_revolving")
branch_labels = ("loans",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
