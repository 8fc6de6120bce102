"""Channel rules an agent's reply must pass before it is stored (WhatsApp and SMS).

Called by ``services/messages.py`` inside the reply's transaction, after the case is locked and
before anything is written: a refused reply stores nothing and reaches no outbox.

- WhatsApp: a free-form reply only within 24 hours of the customer's last WhatsApp message
  (``domain/whatsapp.py``); otherwise an approved template (``services/messaging.py``).
- SMS: never to a number that texted STOP (``domain/sms.py``).
- Both: the customer must have an address on the channel to answer on.
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain import sms, whatsapp
from klantenservice.domain.cases import Case
from klantenservice.domain.customers import ContactKind
from klantenservice.domain.errors import InvalidTransition
from klantenservice.domain.vocabulary import Channel
from klantenservice.services.ports import UnitOfWork

RECIPIENT_KIND = {Channel.WHATSAPP: ContactKind.WHATSAPP, Channel.SMS: ContactKind.PHONE}


def recipient_for(uow: UnitOfWork, case: Case, channel: Channel) -> str:
    """The address a message of ``channel`` on ``case`` goes to, or a refusal saying why not."""
    kind = RECIPIENT_KIND[channel]
    found = uow.messaging.contact_value(case.customer_id, kind)
    if found is None:
        raise InvalidTransition(
            f"the customer of case {case.reference} has no {kind.value} contact point; "
            f"a {channel.value} message cannot be sent"
        )
    return found


def check_reply(uow: UnitOfWork, case: Case, channel: Channel, now: datetime) -> None:
    """Refuse a free-form reply the channel does not allow now; other channels pass."""
    if channel is Channel.WHATSAPP:
        recipient_for(uow, case, channel)
        last = uow.messaging.last_inbound_at(case.customer_id, Channel.WHATSAPP)
        whatsapp.check_free_form_allowed(last, now)
    elif channel is Channel.SMS:
        phone = recipient_for(uow, case, channel)
        sms.check_may_send(uow.messaging.sms_opted_out(phone))
