"""Join the access (issue 13a) and data-version (issue 7) revisions into one head.

No schema change: issue 8b needs both on its branch. The lead re-chains the revisions at merge
time and may drop this file.

Revision ID: 0004_i8b_merge_heads
Revises: 0003_i13a_access, 0003_i7_data_versions
"""

from __future__ import annotations

revision = "0004_i8b_merge_heads"
down_revision = ("0003_i13a_access", "0003_i7_data_versions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
