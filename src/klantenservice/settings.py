"""All configuration, read from the environment with the ``KS_`` prefix (or a ``.env`` file).

Nothing is built at import time: call ``get_settings()`` (cached) where settings are needed, and
pass values down as arguments. The domain and services never read settings.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "dev-secret-not-for-production"}
)


class ImapMailboxSetting(BaseModel):
    """One IMAP folder to poll (``KS_IMAP_MAILBOXES``); the password inline or in a file."""

    host: str
    port: int = Field(default=993, ge=1, le=65535)
    user: str
    password: SecretStr | None = None
    password_file: str | None = None  # read at start; keeps the secret out of the environment
    folder: str = "INBOX"
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    name: str | None = None  # how the store and logs know it; default "user@host/folder"

    @model_validator(mode="after")
    def _one_password(self) -> ImapMailboxSetting:
        if (self.password is None) == (self.password_file is None):
            raise ValueError("give exactly one of password and password_file")
        return self

    @property
    def key(self) -> str:
        return (self.name or f"{self.user}@{self.host}/{self.folder}")[:320]


class EscalationContact(BaseModel):
    """Who is alerted at one level of the emergency escalation ladder, and how."""

    level: int = Field(ge=1, le=2)
    email: str | None = None
    sms: str | None = None  # E.164
    webhook: str | None = None
    webhook_secret: str | None = None  # signs the webhook body (X-Klantenservice-Signature)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KS_", env_file=".env", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    database_url: str = "sqlite:///./klantenservice.db"
    secret_key: str = "dev-secret-not-for-production"  # noqa: S105 (refused in production)
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL"] = "NORMAL"

    timezone: str = "Europe/Amsterdam"
    holiday_country: str = "NL"
    holiday_subdivision: str | None = None

    reopen_window_days: int = Field(default=7, ge=0, le=365)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    routing_relax_after_minutes: int = Field(default=10, ge=0)
    # idle fraud agents kept free for the emergency lane (docs/subsystems/routing.md)
    emergency_reserved_agents: int = Field(default=0, ge=0)
    promise_warn_share: float = Field(default=0.8, gt=0, lt=1)
    auto_assign: bool = True
    # Who writes the intake's batches (docs/subsystems/intake.md): a child process of the web
    # process ("process", off its GIL) or a thread of it ("thread").
    intake_writer: Literal["thread", "process"] = "process"

    page_size_max: int = Field(default=200, ge=10, le=1000)
    webhook_urls: list[str] = Field(default_factory=list)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)

    # Customer chat widget (docs/subsystems/chat.md).
    chat_token_hours: int = Field(default=12, ge=1, le=24 * 7)  # a chat's token expires then
    chat_queue: str = "general"  # the queue new chats wait in
    chat_seconds_per_place: int = Field(default=120, ge=1)  # wait estimate without recent data
    chat_embed_origins: list[str] = Field(default_factory=list)  # sites that may embed it
    # chats one client address may start at once, then per hour (domain/chat.StartLimits)
    chat_start_burst: int = Field(default=5, ge=1)
    chat_starts_per_hour: float = Field(default=20.0, gt=0)

    # Outgoing e-mail (chat transcripts), delivered by the worker. No host: no mail is sent.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "klantenservice@localhost"

    # Customer portal (docs/subsystems/portal.md): the bank's online banking signs customers
    # in with an Ed25519-signed assertion. Keys: {"<kid>": "<public key, base64url>"}.
    portal_sso_keys: dict[str, str] = Field(default_factory=dict)
    portal_sso_issuer: str = "https://online.bank.example"
    portal_sso_audience: str = "klantenservice-portal"
    portal_sso_login_url: str = ""  # the bank's page that signs in and returns to /portal/sso
    portal_required_verification: Literal["contact", "authenticated", "strong"] = "authenticated"
    portal_session_minutes: int = Field(default=30, ge=5, le=12 * 60)
    portal_demo_sign_in: bool = False  # a fake bank sign-in page for demos and tests
    portal_bank_name: str = "Polderbank"  # the demo bank of the chat widget too

    # WhatsApp Business Cloud API and Twilio SMS (docs/subsystems/whatsapp-sms.md). Without a
    # secret the channel's webhook refuses everything; without a token nothing is sent.
    whatsapp_app_secret: str | None = None  # signs webhooks (X-Hub-Signature-256)
    whatsapp_verify_token: str | None = None  # echoed by Meta when subscribing the webhook
    whatsapp_access_token: str | None = None  # bearer token for sending
    whatsapp_phone_number_id: str | None = None  # the business number messages go out from
    whatsapp_api_base: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v23.0"
    # approved templates: {"name": {"nl": "Beste {{1}}, ...", "en": "Dear {{1}}, ..."}}
    whatsapp_templates: dict[str, dict[str, str]] = Field(default_factory=dict)
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None  # signs webhooks (X-Twilio-Signature) and sends
    twilio_from_number: str | None = None  # E.164 number SMS go out from
    twilio_api_base: str = "https://api.twilio.com"
    # the public URL this service is reached at (Twilio signs the URL it called): no trailing /
    public_base_url: str = "http://localhost:8000"
    # The bank's 24/7 emergency number (fraud, lost or stolen card): in incident auto-replies
    # and emergency acknowledgements, beside the SOS form at {public_base_url}/sos.
    emergency_phone_number: str = "+31 20 555 0100"
    channel_timeout_seconds: float = Field(default=10.0, gt=0)

    # Phone and IVR (docs/subsystems/phone-ivr.md): Twilio Voice webhooks are signed with
    # twilio_auth_token against public_base_url. Menus: a TOML file, else the shipped ones.
    ivr_menu_file: str | None = None
    voice_default_language: Literal["nl", "en"] = "nl"
    voice_numbers: dict[str, Literal["nl", "en"]] = Field(default_factory=dict)  # dialled → lang
    # the dedicated 24/7 emergency numbers (E.164): straight into the emergency lane, no menu
    voice_emergency_numbers: list[str] = Field(default_factory=list)

    # E-mail channel (docs/subsystems/email.md): the SMTP listener (`klantenservice mail-server`)
    # accepts mail for these addresses only; raw mails and attachments are files under the dir.
    email_addresses: list[str] = Field(default_factory=list)
    email_listen_host: str = "127.0.0.1"
    email_listen_port: int = Field(default=2525, ge=1, le=65535)
    email_storage_dir: str = "./var/mail"
    email_max_message_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)
    email_max_attachment_bytes: int = Field(default=30 * 1024 * 1024, ge=1024)
    # IMAP mailboxes polled by `klantenservice mail poll` (JSON list, see ImapMailboxSetting).
    imap_mailboxes: list[ImapMailboxSetting] = Field(default_factory=list)
    imap_poll_seconds: float = Field(default=60.0, gt=0)

    # Emergency lane (docs/subsystems/emergency.md): who is alerted when an emergency has had no
    # human contact (JSON list: level 1 at 5 minutes, level 2 at 8), how often the worker looks,
    # and the core-banking system card blocks go to ("none": recorded, an agent blocks by hand).
    emergency_escalation: list[EscalationContact] = Field(default_factory=list)
    emergency_sweep_seconds: float = Field(default=10.0, gt=0)
    core_banking: Literal["none", "demo", "http"] = "none"
    core_banking_url: str | None = None
    core_banking_token: str | None = None

    @field_validator("email_storage_dir")
    @classmethod
    def _absolute_storage_dir(cls, value: str) -> str:
        """Absolute from the start: the paths stored in the database are found from any cwd."""
        return str(Path(value).expanduser().resolve())

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError("KS_SECRET_KEY must be set to a real secret in production")
        if self.environment == "production" and self.portal_demo_sign_in:
            raise ValueError("KS_PORTAL_DEMO_SIGN_IN signs anyone in: never in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
