"""The transcript e-mail's words, in the customer's language (the widget's catalogues).

Plain text only: what the customer and the agent typed is put in as it was written and can
never become markup in a mail client. Times are shown in ``KS_TIMEZONE``. Used by the worker
(``workers/chat_transcript.py``), wired in by ``cli_worker.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import Translations

from klantenservice.services.chat_transcript import Transcript
from klantenservice.web import i18n


def N_(message: str) -> str:
    return message


SUBJECT = N_("Transcript of your chat (%(reference)s)")
GREETING = N_("Hello,")
INTRO = N_("As you asked, here is the transcript of your chat with our customer service.")
REFERENCE = N_("Reference: %(reference)s")
EMPTY = N_("(No messages yet.)")
CLOSING = N_("This e-mail was sent automatically because you asked for it in the chat.")
AUTHORS = {"customer": N_("You"), "agent": N_("Employee")}
SERVICE = N_("Customer service")


class TranscriptMail:
    """``render(transcript) -> (subject, text)``, implementing ``TranscriptRenderer``."""

    def __init__(
        self, *, timezone: str, translations: Mapping[str, Translations] | None = None
    ) -> None:
        self._zone = ZoneInfo(timezone)
        self._translations = translations or i18n.load_translations()

    def __call__(self, transcript: Transcript) -> tuple[str, str]:
        locale = transcript.language.value
        gettext = self._translations[locale].gettext
        reference = {"reference": transcript.reference}
        lines = [gettext(GREETING), "", gettext(INTRO), gettext(REFERENCE) % reference, ""]
        for line in transcript.lines:
            when = format_datetime(line.at, "short", tzinfo=self._zone, locale=locale)
            who = gettext(AUTHORS.get(line.author, SERVICE))
            lines.append(f"[{when}] {who}:")
            lines.extend(f"    {part}" for part in line.body.splitlines() or [""])
        if not transcript.lines:
            lines.append(gettext(EMPTY))
        lines.extend(["", gettext(CLOSING), ""])
        return gettext(SUBJECT) % reference, "\n".join(lines)
