"""Shared wording of the demo: channel framing (a mail, a call record) and per-case values.

Templates are ``str.format`` strings; ``fill_values`` draws the per-case variation (amounts,
shops, dates, ...), and the runner adds ``{agent}`` and ``{reference}`` when a message is
written. ``Intent`` is the shape of what customers ask about; the intents themselves are in
``demo/intents.py`` (everyday questions) and ``demo/regulated.py`` (fraud, complaints,
privacy, arrears: the flows with rules of their own).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.vocabulary import Channel, Language, Priority
from klantenservice.domain.whatsapp import TemplateRegistry

Texts = Mapping[Language, tuple[str, ...]]


def both(nl: tuple[str, ...], en: tuple[str, ...]) -> Texts:
    """Texts in Dutch and English."""
    return {Language.NL: nl, Language.EN: en}


@dataclass(frozen=True, slots=True)
class Intent:
    key: str
    category: str
    weight: int
    subject: Texts
    opening: Texts
    ask: Texts  # the agent's question or acknowledgement: the case waits after it
    follow_up: Texts  # the customer's answer to it
    answer: Texts  # the resolving reply
    notes: tuple[str, ...]
    skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    queue: str | None = None
    tags: frozenset[str] = frozenset()
    waits_internally: bool = False  # after ``ask`` the case is pending_internal


REOPEN = both(
    ("Het werkt helaas nog steeds niet.", "Ik heb toch nog een vraag hierover."),
    ("Unfortunately it still doesn't work.", "Sorry, one more question about this."),
)
REOPEN_ANSWER = both(
    ("Excuses daarvoor. Ik heb het opnieuw bekeken; nu is het echt opgelost.",),
    ("Apologies. I've looked at it again and it is now resolved for good.",),
)
THANKS = both(
    ("Top, dank u wel!", "Bedankt voor de snelle hulp."),
    ("Great, thanks!", "Thanks for the quick help."),
)
DUPLICATE = both(
    ("Ik mail nog een keer over mijn eerdere vraag, want ik weet niet of die is aangekomen.",),
    ("I'm writing again about my earlier question, not sure it arrived.",),
)
DUPLICATE_SUBJECT = both(
    ("Nogmaals mijn vraag", "Herhaling van mijn vraag"),
    ("My question again", "Follow-up on my question"),
)
MERGED_ANSWER = both(
    (
        "Uw nieuwe e-mail ging over dezelfde vraag; ik heb hem bij uw eerdere zaak {reference} "
        "gevoegd. Alles is nu afgehandeld.",
    ),
    (
        "Your new e-mail was about the same question, so I've added it to your earlier case "
        "{reference}. Everything is now taken care of.",
    ),
)
MERGE_NOTE = "Dubbele zaak van dezelfde klant over hetzelfde onderwerp: samengevoegd."


def wrap_customer(text: str, channel: Channel, language: Language) -> str:
    """The customer's words as the channel delivers them (a mail, a call record, ...)."""
    nl = language is Language.NL
    if channel in (Channel.EMAIL, Channel.WEB_FORM):
        head, tail = (
            ("Beste klantenservice,", "Met vriendelijke groet,")
            if nl
            else ("Dear customer service,", "Kind regards,")
        )
        return f"{head}\n\n{text}\n\n{tail}\n{{name}}"
    if channel is Channel.PHONE:
        return ("Klant belt: " if nl else "Caller: ") + text
    if channel is Channel.IN_PERSON:
        return ("Aan de balie: " if nl else "At the branch: ") + text
    return text


def wrap_agent(text: str, channel: Channel, language: Language) -> str:
    nl = language is Language.NL
    if channel in (Channel.EMAIL, Channel.WEB_FORM):
        head, tail = (
            ("Beste {first},", "Met vriendelijke groet,")
            if nl
            else ("Dear {first},", "Kind regards,")
        )
        team = "Klantenservice" if nl else "Customer Service"
        return f"{head}\n\n{text}\n\n{tail}\n{{agent}}\n{team}"
    if channel is Channel.PHONE:
        return ("Telefonisch besproken: " if nl else "Discussed by phone: ") + text
    if channel is Channel.IN_PERSON:
        return ("Aan de balie besproken: " if nl else "Discussed at the branch: ") + text
    return text


# The demo bank's approved WhatsApp template, sent when the 24-hour window has closed.
CASE_UPDATE_TEMPLATE = "case_update"
DEMO_WHATSAPP_TEMPLATES = TemplateRegistry.from_mapping(
    {
        CASE_UPDATE_TEMPLATE: {
            "nl": "Beste {{1}}, er is nieuws over uw vraag. Stuur ons een bericht om verder te "
            "gaan.",
            "en": "Dear {{1}}, there is news about your question. Send us a message to continue.",
        }
    }
)

MERCHANTS = ("Albert Heijn", "Jumbo", "bol.com", "de NS-automaat", "Shell", "HEMA", "Coolblue")
STOCKS = ("ASML", "Shell", "Unilever", "Adyen", "ING", "Philips", "Heineken")
CITIES = ("Utrecht", "Amersfoort", "Zwolle", "Haarlem", "Breda", "Groningen", "Leiden")
STREETS = ("Dorpsstraat", "Kerkweg", "Molenlaan", "Stationsplein", "Lindelaan", "Beukenhof")
TOPICS_NL = ("mijn hypotheekoffertes", "een teruggave", "mijn gestorneerde incasso")
TOPICS_EN = ("my mortgage offer", "a refund", "my returned direct debit")


def fill_values(rng: random.Random, *, first: str, name: str, at: datetime) -> dict[str, str]:
    """The per-case variation that templates draw on."""
    amount = rng.choice((7.95, 12.50, 24.99, 89.00, 149.95, 350.00, 950.00, 1250.00))
    day = (at - timedelta(days=rng.randint(1, 6))).strftime("%d-%m")
    return {
        "first": first,
        "name": name,
        "amount": f"€ {amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", "."),
        "small": f"€ {rng.choice((50, 75, 100, 150))},00",
        "merchant": rng.choice(MERCHANTS),
        "date": day,
        "last4": f"{rng.randint(0, 9999):04d}",
        "version": f"{rng.randint(8, 9)}.{rng.randint(0, 30)}",
        "stock": rng.choice(STOCKS),
        "shares": str(rng.choice((5, 10, 20, 25, 50))),
        "code": str(rng.randint(100, 480)),
        "months": str(rng.choice((3, 4, 6, 9))),
        "topic": rng.choice(TOPICS_NL),
        "topic_en": rng.choice(TOPICS_EN),
        "street": f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
        "city": rng.choice(CITIES),
        "rate": rng.choice(("1,25", "1,50", "1,75", "2,00")),
    }
