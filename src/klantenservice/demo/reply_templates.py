"""The demo bank's reply templates: the answers agents give most, in Dutch and English.

Created through ``services/reply_templates`` as the administrator, so they are audited like
any template an administrator writes. Variables: see ``domain/reply_templates.VARIABLES``.
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain.vocabulary import Language
from klantenservice.services import reply_templates
from klantenservice.services.ports import Actor, UnitOfWorkFactory

NL, EN = Language.NL, Language.EN

TEMPLATES: tuple[tuple[str, Language, str], ...] = (
    (
        "Ontvangstbevestiging",
        NL,
        "Beste $customer_first_name,\n\n"
        "Dank voor uw bericht. Wij hebben uw vraag ontvangen onder nummer $case_reference "
        "en komen zo snel mogelijk bij u terug.\n\n"
        "Met vriendelijke groet,\n$agent_name\nKlantenservice",
    ),
    (
        "Pas geblokkeerd",
        NL,
        "Beste $customer_first_name,\n\n"
        "Uw betaalpas is geblokkeerd na drie keer een onjuiste pincode. Dat is voor uw "
        "veiligheid. U kunt de pas deblokkeren in de app onder Pas en pincode, of een nieuwe "
        "pincode aanvragen. Wij vragen nooit om uw pincode.\n\n"
        "Met vriendelijke groet,\n$agent_name",
    ),
    (
        "Wacht op gegevens",
        NL,
        "Beste $customer_first_name,\n\n"
        "Om uw vraag ($case_reference) af te handelen hebben wij nog een gegeven van u nodig: "
        "…\nU kunt eenvoudig op dit bericht antwoorden.\n\n"
        "Met vriendelijke groet,\n$agent_name",
    ),
    (
        "Acknowledgement",
        EN,
        "Dear $customer_first_name,\n\n"
        "Thank you for your message. We have registered your question as $case_reference "
        "and will get back to you as soon as we can.\n\n"
        "Kind regards,\n$agent_name\nCustomer service",
    ),
    (
        "Card blocked",
        EN,
        "Dear $customer_first_name,\n\n"
        "Your debit card was blocked after three wrong PIN entries, to keep your money safe. "
        "You can unblock it in the app under Card and PIN, or request a new PIN. We will "
        "never ask you for your PIN.\n\n"
        "Kind regards,\n$agent_name",
    ),
    (
        "Waiting for details",
        EN,
        "Dear $customer_first_name,\n\n"
        "To handle your question ($case_reference) we still need one detail from you: …\n"
        "Simply reply to this message.\n\n"
        "Kind regards,\n$agent_name",
    ),
)


def seed_reply_templates(uow_factory: UnitOfWorkFactory, *, actor: Actor, now: datetime) -> int:
    """Create the demo templates; returns how many were created."""
    for name, language, body in TEMPLATES:
        reply_templates.create_template(
            uow_factory(), actor=actor, name=name, language=language, body=body, now=now
        )
    return len(TEMPLATES)
