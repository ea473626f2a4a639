"""partition jobs run in a worker process: the job row names the worker's process id

Revision ID: 0004_plansapi_job_worker
Revises: 0003_i8a_drafts
Create Date: 2026-11-30 01:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_plansapi_job_worker"
down_revision = "0003_i8a_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partition_jobs") as batch:
        batch.add_column(sa.Column("worker_pid", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partition_jobs") as batch:
        batch.drop_column("worker_pid")
