"""Objects built from ``Settings`` that more than one entry point needs (web app, mail server).

One place, so the web intake and the e-mail importer route, reopen and acknowledge alike.
"""

from __future__ import annotations

from datetime import timedelta

from klantenservice.services.assignment import routing_policy
from klantenservice.services.inbound_message import IntakeOptions
from klantenservice.settings import Settings


def intake_options(settings: Settings) -> IntakeOptions:
    return IntakeOptions(
        routing=routing_policy(
            settings.routing_relax_after_minutes, settings.emergency_reserved_agents
        ),
        reopen_window=timedelta(days=settings.reopen_window_days),
        auto_assign=settings.auto_assign,
        timezone=settings.timezone,
        emergency_number=settings.emergency_phone_number,
        sos_url=settings.public_base_url.rstrip("/") + "/sos",
    )
