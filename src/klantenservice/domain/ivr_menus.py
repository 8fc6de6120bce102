"""The phone menus the product ships with, in Dutch and English: plain data, not code.

The same shape as a TOML file (``klantenservice ivr lint FILE`` checks one; ``KS_IVR_MENU_FILE``
makes the application use one instead of these): per language the Twilio voice, the queue
"speak to a person" joins, the spoken phrases, the call-back words and the menus. Parsed and
linted by ``domain/ivr.py``; both languages must offer the same choices (the lint checks).
"""

from __future__ import annotations

from typing import Any

_NL_MAIN = [
    {
        "digit": "1",
        "say": "Voor fraude, of als uw pas verloren of gestolen is, toets 1 of zeg fraude.",
        "label": "Fraude of pas kwijt",
        "keywords": ["fraude", "gestolen", "verloren", "kwijt", "oplichting", "blokkeren"],
        "queue": "emergency",
        "priority": "emergency",
        "category": "fraud",
    },
    {
        "digit": "2",
        "say": "Voor betalen en uw rekening, toets 2 of zeg betalen.",
        "label": "Betalen en rekening",
        "keywords": ["betalen", "betaling", "rekening", "overboeking"],
        "menu": "payments",
    },
    {
        "digit": "3",
        "say": "Voor hypotheken en leningen, toets 3 of zeg lenen.",
        "label": "Hypotheek en lenen",
        "keywords": ["hypotheek", "lening", "lenen", "krediet"],
        "queue": "general",
        "category": "loans",
    },
    {
        "digit": "0",
        "say": "Om een medewerker te spreken, toets 0 of zeg medewerker.",
        "label": "Medewerker",
        "keywords": ["medewerker", "persoon", "mens", "iemand"],
        "person": True,
    },
]
_NL_PAYMENTS = [
    {
        "digit": "1",
        "say": "Voor een betaling die niet is aangekomen, toets 1 of zeg betaling.",
        "label": "Betaling niet aangekomen",
        "keywords": ["betaling", "niet aangekomen", "overboeking"],
        "queue": "general",
        "category": "payments",
    },
    {
        "digit": "2",
        "say": "Voor internetbankieren en de app, toets 2 of zeg app.",
        "label": "Internetbankieren en app",
        "keywords": ["app", "internetbankieren", "inloggen"],
        "queue": "general",
        "category": "online-banking",
    },
    {
        "digit": "0",
        "say": "Om een medewerker te spreken, toets 0 of zeg medewerker.",
        "label": "Medewerker",
        "keywords": ["medewerker", "persoon", "mens", "iemand"],
        "person": True,
    },
]
_EN_MAIN = [
    {
        "digit": "1",
        "say": "For fraud, or if your card is lost or stolen, press 1 or say fraud.",
        "label": "Fraud or lost card",
        "keywords": ["fraud", "stolen", "lost", "scam", "block"],
        "queue": "emergency",
        "priority": "emergency",
        "category": "fraud",
    },
    {
        "digit": "2",
        "say": "For payments and your account, press 2 or say payments.",
        "label": "Payments and account",
        "keywords": ["payment", "payments", "account", "transfer"],
        "menu": "payments",
    },
    {
        "digit": "3",
        "say": "For mortgages and loans, press 3 or say loans.",
        "label": "Mortgages and loans",
        "keywords": ["mortgage", "loan", "loans", "credit"],
        "queue": "general",
        "category": "loans",
    },
    {
        "digit": "0",
        "say": "To speak to an agent, press 0 or say agent.",
        "label": "Agent",
        "keywords": ["agent", "person", "human", "someone", "operator"],
        "person": True,
    },
]
_EN_PAYMENTS = [
    {
        "digit": "1",
        "say": "For a payment that has not arrived, press 1 or say payment.",
        "label": "Payment not arrived",
        "keywords": ["payment", "not arrived", "transfer"],
        "queue": "general",
        "category": "payments",
    },
    {
        "digit": "2",
        "say": "For online banking and the app, press 2 or say app.",
        "label": "Online banking and app",
        "keywords": ["app", "online banking", "log in", "login"],
        "queue": "general",
        "category": "online-banking",
    },
    {
        "digit": "0",
        "say": "To speak to an agent, press 0 or say agent.",
        "label": "Agent",
        "keywords": ["agent", "person", "human", "someone", "operator"],
        "person": True,
    },
]

IVR_MENUS: dict[str, Any] = {
    "nl": {
        "voice_language": "nl-NL",
        "person_queue": "general",
        "callback_keywords": ["terugbellen", "bel me terug", "terug bellen"],
        "phrases": {
            "welcome": "Welkom bij de klantenservice.",
            "not_understood": "Sorry, dat heb ik niet begrepen.",
            "transfer": "Een moment alstublieft, u wordt doorverbonden.",
            "position": "U bent nummer {position} in de wachtrij.",
            "callback_offer": "Wilt u liever teruggebeld worden? Toets 1 of zeg terugbellen.",
            "callback_confirmed": (
                "Dank u wel. We bellen u zo snel mogelijk terug op het nummer waarmee u nu "
                "belt. Tot ziens."
            ),
            "connected": "U wordt nu verbonden met een medewerker.",
            "goodbye": "Bedankt voor het bellen. Tot ziens.",
            "call_subject": "Telefoon: {path}",
            "call_note": "Telefoongesprek. Keuzemenu: {path}.",
            "callback_note": "Terugbelverzoek: bel {number} terug. Keuzemenu: {path}.",
            "emergency_reference": (
                "Uw melding is vastgelegd. Uw referentie is {reference}. Ik herhaal: {reference}."
            ),
        },
        "menus": {
            "main": {"prompt": "Maak een keuze.", "options": _NL_MAIN},
            "payments": {"prompt": "Waarmee kunnen we u helpen?", "options": _NL_PAYMENTS},
        },
    },
    "en": {
        "voice_language": "en-GB",
        "person_queue": "general",
        "callback_keywords": ["call back", "call me back", "callback"],
        "phrases": {
            "welcome": "Welcome to customer service.",
            "not_understood": "Sorry, I did not understand that.",
            "transfer": "One moment please, we are putting you through.",
            "position": "You are number {position} in the queue.",
            "callback_offer": "Would you rather be called back? Press 1 or say call back.",
            "callback_confirmed": (
                "Thank you. We will call you back as soon as possible on the number you are "
                "calling from. Goodbye."
            ),
            "connected": "You are now being connected to an agent.",
            "goodbye": "Thank you for calling. Goodbye.",
            "call_subject": "Phone: {path}",
            "call_note": "Phone call. Menu: {path}.",
            "callback_note": "Call-back request: call {number} back. Menu: {path}.",
            "emergency_reference": (
                "Your report is recorded. Your reference is {reference}. Again: {reference}."
            ),
        },
        "menus": {
            "main": {"prompt": "Please make a choice.", "options": _EN_MAIN},
            "payments": {"prompt": "How can we help you?", "options": _EN_PAYMENTS},
        },
    },
}
