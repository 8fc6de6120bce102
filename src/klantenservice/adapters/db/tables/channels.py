"""The channels' tables: e-mail (0007), WhatsApp and SMS (0008), phone (0009), matching (0011).

Part of the one schema in ``metadata`` (``tables/__init__.py`` imports both halves, so Alembic
sees every table); split from ``core.py`` only to keep each file readable.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from klantenservice.adapters.db.tables.core import Id, contact_points, customers, metadata
from klantenservice.adapters.db.types import UTCDateTime

# --- e-mail (migration 0007) -------------------------------------------------------------------

# Every mail we received, raw (docs/subsystems/email.md). The bytes are a file under the mail
# directory (``path``, content-addressed by ``digest``); this row is written and committed before
# the SMTP "250" or the IMAP UID is recorded. ``state``: stored → imported (``message_id``) or
# quarantined (``reason``). ``mailbox``: the envelope recipients or the IMAP mailbox.
email_raw = Table(
    "email_raw",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("path", String(500), nullable=False),
    Column("source", String(10), nullable=False),
    Column("mailbox", String(1000), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False),
    Column("reason", String(500)),
    Column("external_id", String(255)),
    Column("message_id", ForeignKey("messages.id", ondelete="SET NULL"), nullable=True),
    Column("imported_at", UTCDateTime),
    Column("imap_uidvalidity", BigInteger),  # IMAP only: where on the server it came from
    Column("imap_uid", BigInteger),
    Index("ix_email_raw_state_id", "state", "id"),
    Index("ix_email_raw_imap", "mailbox", "imap_uidvalidity", "imap_uid", unique=True),
)

# Attachments of imported mails: metadata here, bytes in a file (``path``), or not stored at
# all with the ``refused`` reason (type or size limit).
email_attachments = Table(
    "email_attachments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("raw_id", ForeignKey("email_raw.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("digest", String(64)),
    Column("path", String(500)),
    Column("refused", String(200)),
)

# Our outbound replies by e-mail: the Message-ID we generated (threading finds the case from a
# customer's In-Reply-To), the headers it was threaded with, and when it went out.
email_outbound = Table(
    "email_outbound",
    metadata,
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("rfc_message_id", String(255), nullable=False, unique=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("outbox_event_id", BigInteger, nullable=False),
    Column("sent_at", UTCDateTime),
)

# IMAP polling state per mailbox: UIDVALIDITY and the highest UID imported (never \Seen flags).
email_imap_state = Table(
    "email_imap_state",
    metadata,
    Column("mailbox", String(320), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
    Column("polled_at", UTCDateTime, nullable=False),
)

# --- whatsapp and sms (migration 0008) ---------------------------------------------------------

# WhatsApp and SMS (docs/subsystems/whatsapp-sms.md). ``outbound_deliveries``: one row per
# outbound message handed to a provider, claimed by the outbox event before the provider is
# called; ``provider_id`` is the wamid or Twilio MessageSid the provider answered.
outbound_deliveries = Table(
    "outbound_deliveries",
    metadata,
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("outbox_event_id", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # sending | accepted | refused
    Column("provider_id", String(128)),
    Column("error", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "provider_id"),
)

# Status callbacks (sent, delivered, read, failed), keyed by the provider's id: a callback may
# arrive before the provider's answer to our send was recorded, so it is not a foreign key.
delivery_statuses = Table(
    "delivery_statuses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),
    Column("provider_id", String(128), nullable=False),
    Column("status", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("error_code", String(40)),
    UniqueConstraint("channel", "provider_id", "status"),
)

# Media of inbound WhatsApp messages: the Graph API's media id and what the webhook says of it.
inbound_media = Table(
    "inbound_media",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("media_id", String(128), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("mime_type", String(100)),
    Column("sha256", String(100)),
    Column("filename", String(255)),
    UniqueConstraint("channel", "media_id"),
    Index("ix_inbound_media_message_id", "message_id"),
)

# SMS consent: one row per STOP/START keyword received, keyed by its MessageSid (a retried
# webhook adds nothing); a number is opted out when its latest row says so.
sms_consent_events = Table(
    "sms_consent_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_sid", String(64), nullable=False, unique=True),
    Column("phone", String(32), nullable=False),
    Column("opted_out", Boolean, nullable=False),
    Column("keyword", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_sms_consent_events_phone_id", "phone", "id"),
)

# An outbound WhatsApp message sent as an approved template: what the handler sends to Meta.
whatsapp_template_sends = Table(
    "whatsapp_template_sends",
    metadata,
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(512), nullable=False),
    Column("language", String(16), nullable=False),
    Column("parameters", JSON, nullable=False),
)

# --- phone and ivr (migration 0009) ------------------------------------------------------------

# Phone calls (docs/subsystems/phone-ivr.md): one row per Twilio CallSid, its IVR path (menu,
# digit, pressed or spoken; never the words), the queue it joined and the moments it was queued,
# answered, asked a call-back and ended. ``case_id``/``message_id``: the inbound message on
# channel phone that the intake stored for it (external id = CallSid).
calls = Table(
    "calls",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("call_sid", String(64), nullable=False, unique=True),
    Column("from_number", String(32), nullable=False),
    Column("to_number", String(32), nullable=False),
    Column("language", String(5), nullable=False),
    Column("status", String(12), nullable=False),
    Column("ivr_path", JSON, nullable=False),
    Column("queue", String(100)),
    Column("priority", Integer),
    Column("case_id", ForeignKey("cases.id", ondelete="SET NULL")),
    Column("message_id", ForeignKey("messages.id", ondelete="SET NULL")),
    Column("started_at", UTCDateTime, nullable=False),
    Column("queued_at", UTCDateTime),
    Column("answered_at", UTCDateTime),
    Column("callback_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Index("ix_calls_started_at", "started_at"),
    Index("ix_calls_status_priority", "status", "priority", "queued_at"),
)

# --- customer matching (migration 0011) ---

# One customer across channels (docs/subsystems/customers.md, domain/customer_matching.py).
# ``contact_points.match_key``: where a contact point meets those that reach the same person
# (the number's digits for phone and WhatsApp, the canonical mailbox for e-mail), written with
# the contact point, so candidates for a proposal are one indexed lookup, never a scan.
# ``customers.merged_into``: an agent confirmed this record is that customer; the row stays,
# its contact points and cases moved there. Partial index: only merged records are in it.
contact_points.append_column(Column("match_key", String(330), nullable=True))
Index("ix_contact_points_match_key", contact_points.c.match_key)
customers.append_column(Column("merged_into", ForeignKey("customers.id"), nullable=True))
Index(
    "ix_customers_merged_into",
    customers.c.merged_into,
    sqlite_where=customers.c.merged_into.is_not(None),
    postgresql_where=customers.c.merged_into.is_not(None),
)

# Agents' decisions on proposals, one row per pair (``customer_id`` < ``other_id``, so a
# decision holds in both directions): ``rejected`` ("not the same person": never proposed
# again) or ``confirmed`` (merged). ``signals``: the reasons the agent was shown.
customer_match_decisions = Table(
    "customer_match_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("other_id", ForeignKey("customers.id"), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("signals", JSON, nullable=False),
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    UniqueConstraint("customer_id", "other_id"),
    Index("ix_customer_match_decisions_other_id", "other_id"),
)
