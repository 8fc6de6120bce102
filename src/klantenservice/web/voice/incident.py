"""The IVR during an incident: the incident's message first, then (if offered) a call-back.

Spoken before the top menu of ``/voice/incoming``, in the caller's language, so a caller hears
"the app is down, we know" before choosing anything. With ``offer_callbacks`` the call-back
offer follows at once (not only after queueing): a caller who accepts is recorded as a call-back
request on the general person queue and the call ends; one who does not hears the menu
(``/voice/incoming?announced=1``, which skips the announcement).
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml.voice_response import VoiceResponse

from klantenservice.domain.ivr import IvrScript
from klantenservice.services.incidents import Notice
from klantenservice.web.voice.twiml import _gather  # the menus' listening, shared


def announcement(
    script: IvrScript,
    notices: Sequence[Notice],
    *,
    callback_action: str | None,
    menu_url: str,
) -> str:
    """Every active phone incident's message, the call-back offer if wanted, then the menu."""
    response = VoiceResponse()
    language = script.language.value
    for notice in notices:
        response.say(notice.message(language), language=script.voice_language)
    if callback_action is not None:
        gather = _gather(script, callback_action, list(script.callback_keywords))
        gather.say(script.phrase("callback_offer"), language=script.voice_language)
        response.append(gather)
    response.redirect(menu_url, method="POST")
    return str(response)


def callback_taken(script: IvrScript) -> str:
    response = VoiceResponse()
    response.say(script.phrase("callback_confirmed"), language=script.voice_language)
    response.hangup()
    return str(response)
