"""Provider webhooks (WhatsApp, SMS): authenticated by the provider's signature, not a token.

``router`` gathers them; ``web/app.py`` includes it at the root (``/webhooks/...``).
"""

from fastapi import APIRouter

from klantenservice.web.webhooks import sms, whatsapp

router = APIRouter(tags=["webhooks"])
router.include_router(whatsapp.router)
router.include_router(sms.router)
