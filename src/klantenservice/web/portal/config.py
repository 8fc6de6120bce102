"""What the portal builds once from the settings: the verifier, the policy, the demo bank.

The verifier of the bank's assertions (``adapters/portal_sso.py``) trusts the public keys in
``KS_PORTAL_SSO_KEYS``; when ``KS_PORTAL_DEMO_SIGN_IN`` is on (never in production:
``settings.py``) it also trusts the demo bank's key, and the demo sign-in page is mounted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from klantenservice.adapters.portal_sso import (
    DEMO_KEY_ID,
    AssertionSigner,
    Ed25519AssertionVerifier,
    demo_signer,
    public_key_from_text,
)
from klantenservice.domain.portal_sign_in import PortalPolicy, parse_level
from klantenservice.settings import Settings
from klantenservice.web.portal.session import DEMO_PATH


@dataclass(frozen=True, slots=True)
class PortalConfig:
    """What the portal's routes read from ``app.state.portal``."""

    verifier: Ed25519AssertionVerifier
    policy: PortalPolicy
    login_url: str | None  # where "sign in with online banking" goes; None: not set up
    demo: AssertionSigner | None


def portal_config(settings: Settings) -> PortalConfig:
    keys = {kid: public_key_from_text(text) for kid, text in settings.portal_sso_keys.items()}
    demo = None
    if settings.portal_demo_sign_in:
        demo = demo_signer(
            settings.secret_key,
            issuer=settings.portal_sso_issuer,
            audience=settings.portal_sso_audience,
        )
        keys.setdefault(DEMO_KEY_ID, demo.public_key)
    verifier = Ed25519AssertionVerifier(
        keys, issuer=settings.portal_sso_issuer, audience=settings.portal_sso_audience
    )
    policy = PortalPolicy(
        required_level=parse_level(settings.portal_required_verification),
        session_length=timedelta(minutes=settings.portal_session_minutes),
    )
    login_url = settings.portal_sso_login_url or (DEMO_PATH if demo else None)
    return PortalConfig(verifier, policy, login_url, demo)


async def get_portal_config(request: Request) -> PortalConfig:
    config: PortalConfig = request.app.state.portal
    return config


Config = Annotated[PortalConfig, Depends(get_portal_config)]
