"""TwiML documents, built with the ``twilio`` package's ``VoiceResponse`` (never by hand).

Every document speaks in the call's language (``Say``/``Gather`` ``language``: "nl-NL",
"en-GB") and listens for keys and speech at once (``input="dtmf speech"``), with the menu's
keywords as speech hints. A ``Gather`` that hears nothing falls through to a ``Redirect`` to
the same step, so silence is answered like an answer that matched nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from klantenservice.domain.ivr import IvrScript, Menu, Route

GATHER_SECONDS = 6  # after the announcement: time to press a key or start speaking
WAIT_PAUSE_SECONDS = 15  # between position announcements while waiting


def url(base: str, path: str, **query: object) -> str:
    clean: Mapping[str, str] = {k: str(v) for k, v in query.items() if v is not None}
    return f"{base.rstrip('/')}{path}" + (f"?{urlencode(clean)}" if clean else "")


def _gather(script: IvrScript, action: str, hints: list[str]) -> Gather:
    return Gather(
        input="dtmf speech",
        action=action,
        method="POST",
        num_digits=1,
        timeout=GATHER_SECONDS,
        speech_timeout="auto",
        language=script.voice_language,
        hints=", ".join(hints)[:1000] or None,
    )


def menu(
    script: IvrScript,
    current: Menu,
    *,
    action: str,
    first: bool = False,
    sorry: bool = False,
) -> str:
    """Announce ``current`` and listen; no answer comes back to ``action`` without input."""
    response = VoiceResponse()
    if first:
        response.say(script.phrase("welcome"), language=script.voice_language)
    if sorry:
        response.say(script.phrase("not_understood"), language=script.voice_language)
    gather = _gather(script, action, [k for o in current.options for k in o.keywords])
    if current.prompt:
        gather.say(current.prompt, language=script.voice_language)
    for option in current.options:
        gather.say(option.say, language=script.voice_language)
    response.append(gather)
    response.redirect(action, method="POST")
    return str(response)


def enqueue(
    script: IvrScript, route: Route, *, wait_url: str, action: str, reference: str | None = None
) -> str:
    """Tell the caller they are put through and put them in the queue of ``route``; an
    emergency report's reference is read out first, character by character (PSD2 art. 70)."""
    response = VoiceResponse()
    if reference is not None and "emergency_reference" in script.phrases:
        spoken = ", ".join(" ".join(part) for part in reference.split("-"))
        text = script.phrase("emergency_reference", reference=spoken)
        response.say(text, language=script.voice_language)
    response.say(script.phrase("transfer"), language=script.voice_language)
    response.enqueue(
        route.queue, action=action, method="POST", wait_url=wait_url, wait_url_method="POST"
    )
    return str(response)


def waiting(script: IvrScript, *, position: int | None, callback_action: str | None) -> str:
    """Played while waiting, again and again: the place in the queue and the call-back offer."""
    response = VoiceResponse()
    if position is not None and position > 0:
        response.say(script.phrase("position", position=position), language=script.voice_language)
    if callback_action is not None:
        gather = _gather(script, callback_action, list(script.callback_keywords))
        gather.say(script.phrase("callback_offer"), language=script.voice_language)
        response.append(gather)
    response.pause(length=WAIT_PAUSE_SECONDS)
    return str(response)


def leave_for_callback(script: IvrScript) -> str:
    response = VoiceResponse()
    response.say(script.phrase("callback_confirmed"), language=script.voice_language)
    response.leave()
    return str(response)


def back_to_waiting(wait_url: str) -> str:
    response = VoiceResponse()
    response.redirect(wait_url, method="POST")
    return str(response)


def connected(script: IvrScript) -> str:
    response = VoiceResponse()
    response.say(script.phrase("connected"), language=script.voice_language)
    return str(response)


def goodbye(script: IvrScript | None) -> str:
    response = VoiceResponse()
    if script is not None:
        response.say(script.phrase("goodbye"), language=script.voice_language)
    response.hangup()
    return str(response)


def dial_queue(queue: str | None, *, answered_url: str) -> str:
    """An agent's phone takes the next call of ``queue``; nothing waiting: hang up."""
    response = VoiceResponse()
    if queue is None:
        response.hangup()
        return str(response)
    dial = Dial()
    dial.queue(queue, url=answered_url, method="POST")
    response.append(dial)
    return str(response)


def empty() -> str:
    return str(VoiceResponse())
