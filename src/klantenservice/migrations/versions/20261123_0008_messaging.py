"""WhatsApp and SMS (issue 4): deliveries, status callbacks, media, SMS consent, templates.

- ``outbound_deliveries``: an outbound message handed to WhatsApp or Twilio (claimed by its
  outbox event, the provider's id once accepted);
- ``delivery_statuses``: sent/delivered/read/failed callbacks by provider id;
- ``inbound_media``: media ids and metadata of inbound WhatsApp messages;
- ``sms_consent_events``: STOP/START keywords per phone number, by MessageSid;
- ``whatsapp_template_sends``: the template (name, language, parameters) of an outbound
  WhatsApp message sent outside the 24-hour window.

See docs/subsystems/whatsapp-sms.md.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, klantenservice.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable
    )


def _message_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["message_id"],
        ["messages.id"],
        name=op.f(f"fk_{table}_message_id_messages"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "outbound_deliveries",
        sa.Column("message_id", Id, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("outbox_event_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        _instant("created_at"),
        _instant("updated_at"),
        _message_fk("outbound_deliveries"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_outbound_deliveries")),
        sa.UniqueConstraint(
            "channel", "provider_id", name=op.f("uq_outbound_deliveries_channel_provider_id")
        ),
    )
    op.create_table(
        "delivery_statuses",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _instant("at"),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_statuses")),
        sa.UniqueConstraint(
            "channel",
            "provider_id",
            "status",
            name=op.f("uq_delivery_statuses_channel_provider_id_status"),
        ),
    )
    op.create_table(
        "inbound_media",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("media_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=True),
        sa.Column("sha256", sa.String(length=100), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        _message_fk("inbound_media"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_media")),
        sa.UniqueConstraint("channel", "media_id", name=op.f("uq_inbound_media_channel_media_id")),
    )
    with op.batch_alter_table("inbound_media", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_media_message_id", ["message_id"], unique=False)
    op.create_table(
        "sms_consent_events",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("keyword", sa.String(length=20), nullable=False),
        _instant("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_consent_events")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_consent_events_message_sid")),
    )
    with op.batch_alter_table("sms_consent_events", schema=None) as batch_op:
        batch_op.create_index("ix_sms_consent_events_phone_id", ["phone", "id"], unique=False)
    op.create_table(
        "whatsapp_template_sends",
        sa.Column("message_id", Id, nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        _message_fk("whatsapp_template_sends"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_whatsapp_template_sends")),
    )


def downgrade() -> None:
    op.drop_table("whatsapp_template_sends")
    with op.batch_alter_table("sms_consent_events", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_consent_events_phone_id")
    op.drop_table("sms_consent_events")
    with op.batch_alter_table("inbound_media", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_media_message_id")
    op.drop_table("inbound_media")
    op.drop_table("delivery_statuses")
    op.drop_table("outbound_deliveries")
