"""Join the access (13a), data-version (7) and unlocated-intake (11) revisions into one head.

No schema change: issue 8b needs both on its branch. The lead re-chains the revisions at merge
time and may drop this file.

Revision ID: 0004_i8b_merge_heads
Revises: 0003_i13a_access, 0003_i7_data_versions, 0003_i11_unlocated
"""

from __future__ import annotations

revision = "0004_i8b_merge_heads"
down_revision = ("0003_i13a_access", "0003_i7_data_versions", "0003_i11_unlocated")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
