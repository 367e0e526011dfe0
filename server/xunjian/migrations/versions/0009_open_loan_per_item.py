"""one open loan per item (a camera cannot be lent twice at once); device storage as bigint

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-06 07:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A register that already holds two open loans of one item cannot take the index: close
    # all but the latest of each, so the upgrade succeeds and the history stays readable.
    op.execute(
        sa.text(
            "UPDATE loans SET state = 'returned', returned_at = borrowed_at, "
            "return_note = 'closed by migration 0010: lent again while still out' "
            "WHERE state = 'borrowed' AND EXISTS (SELECT 1 FROM loans AS later "
            "WHERE later.property_id = loans.property_id AND later.item_code = loans.item_code "
            "AND later.state = 'borrowed' AND later.id > loans.id)"
        )
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(
            "uq_loans_open_item",
            ["property_id", "item_code"],
            unique=True,
            sqlite_where=sa.text("state = 'borrowed'"),
            postgresql_where=sa.text("state = 'borrowed'"),
        )

    # Free storage on a phone is tens of gigabytes, beyond a 32-bit integer.
    with op.batch_alter_table("device_status", schema=None) as batch_op:
        batch_op.alter_column(
            "storage_free_bytes", existing_type=sa.Integer(), type_=sa.BigInteger()
        )


def downgrade() -> None:
    with op.batch_alter_table("device_status", schema=None) as batch_op:
        batch_op.alter_column(
            "storage_free_bytes", existing_type=sa.BigInteger(), type_=sa.Integer()
        )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index("uq_loans_open_item")
