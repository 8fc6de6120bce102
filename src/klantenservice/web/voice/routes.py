"""The Twilio Voice webhooks under ``/voice``: thin, each one checks, calls services, answers TwiML.

    Twilio number "A call comes in"   POST /voice/incoming   call record; welcome + top menu
    <Gather> action                   POST /voice/menu       choice → submenu, or queue:
                                                             intake (message on channel phone)
                                                             then <Enqueue>
    <Enqueue waitUrl>                 POST /voice/wait       "you are number 3", call-back offer
    call-back <Gather> action         POST /voice/callback   1 / "terugbellen": intake, <Leave>
    incident call-back <Gather>       POST /voice/incident-callback  accepted at once: intake,
                                                             recorded as a call-back, hang up
    <Enqueue action>                  POST /voice/queued     left the queue: hung up, left, bridged
    agent's <Dial><Queue url>         POST /voice/answered   an agent took the call
    "Call status changes" callback    POST /voice/status     the call ended
    an agent's phone                  POST /voice/agent      <Dial><Queue> the most urgent call

Every request must carry a valid ``X-Twilio-Signature`` (``signature.py``) before anything is
read or stored. Every step is idempotent on CallSid (and the IVR step number in the URL): a
retried webhook answers the same TwiML and stores nothing new.

A caller is never dropped for our bookkeeping: if the intake refuses the call's message (it
should not: the message is built here), the caller is still queued and the refusal is logged
with the CallSid only (no number, no speech).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from klantenservice.adapters.ivr_file import load_ivr_scripts
from klantenservice.domain.calls import CallRecord, CallStatus, ChoiceBy, PathStep
from klantenservice.domain.errors import DomainError, ValidationError
from klantenservice.domain.ivr import TOP, IvrScript, Menu, Option, Route, choose, lint_scripts
from klantenservice.domain.ivr import wants_callback as asks_callback
from klantenservice.domain.vocabulary import Language, Priority
from klantenservice.services import incidents, voice
from klantenservice.services.inbound import IntakeRequest, IntakeResult
from klantenservice.web.deps import AppContext
from klantenservice.web.twilio_signature import required
from klantenservice.web.voice import incident as incident_twiml
from klantenservice.web.voice import twiml
from klantenservice.web.voice.signature import signed_form

log = logging.getLogger(__name__)
router = APIRouter(prefix="/voice", include_in_schema=False)

XML = "application/xml"
MAX_ATTEMPTS = 2  # unanswered or not understood this often: put through to a person
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

MenuId = Annotated[str, Query(min_length=1, max_length=40)]
Step = Annotated[int, Query(ge=0, le=10)]
Attempt = Annotated[int, Query(ge=1, le=MAX_ATTEMPTS)]


@lru_cache(maxsize=4)
def scripts_of(path: str | None) -> dict[Language, IvrScript]:
    """The menus in use, refused (every call answered 4xx) if they do not pass the lint."""
    scripts = load_ivr_scripts(path)
    problems = lint_scripts(scripts)
    if problems:
        raise ValidationError("the IVR menus do not pass the lint: " + "; ".join(problems))
    return scripts


def _xml(document: str) -> Response:
    return Response(document, media_type=XML)


def _context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def _url(context: AppContext, path: str, **query: object) -> str:
    return twiml.url(context.settings.public_base_url, path, **query)


async def _start(context: AppContext, params: dict[str, str]) -> CallRecord:
    """The call's record; created by whichever of its webhooks arrives first."""
    settings = context.settings
    return await run_in_threadpool(
        lambda: voice.start_call(
            context.uow_factory(),
            call_sid=required(params, "CallSid")[:64],
            from_raw=params.get("From", ""),
            to=params.get("To", ""),
            now=context.clock.now(),
            default_language=Language(settings.voice_default_language),
            languages_by_number={k: Language(v) for k, v in settings.voice_numbers.items()},
        )
    )


async def _existing(context: AppContext, params: dict[str, str]) -> CallRecord:
    call_sid = required(params, "CallSid")
    return await run_in_threadpool(voice.get_call, context.uow_factory(), call_sid)


def _script(context: AppContext, record: CallRecord) -> IvrScript:
    return scripts_of(context.settings.ivr_menu_file)[record.language]


def _menu_url(context: AppContext, menu: str, step: int, attempt: int = 1) -> str:
    return _url(context, "/voice/menu", menu=menu, step=step, attempt=attempt)


@router.post("/incoming")
async def incoming(request: Request, announced: bool = False) -> Response:
    params = dict(await signed_form(request))
    context = _context(request)
    record = await _start(context, params)
    script = _script(context, record)
    if _dialled(params) in context.settings.voice_emergency_numbers:
        return await _emergency_line(context, record, script)
    if not announced:  # an active incident is announced first (web/voice/incident.py)
        notices = await run_in_threadpool(incidents.notices, context.uow_factory, ["phone"])
        if notices:
            known = voice.caller_number(record.from_number) is not None
            offer = known and any(n.offer_callbacks for n in notices)
            return _xml(
                incident_twiml.announcement(
                    script,
                    notices,
                    callback_action=_url(context, "/voice/incident-callback") if offer else None,
                    menu_url=_url(context, "/voice/incoming", announced=1),
                )
            )
    top = script.menus[TOP]
    return _xml(twiml.menu(script, top, action=_menu_url(context, TOP, 0), first=True))


def _dialled(params: dict[str, str]) -> str:
    return "".join(ch for ch in params.get("To", "") if ch.isdigit() or ch == "+")


async def _emergency_line(context: AppContext, record: CallRecord, script: IvrScript) -> Response:
    """The dedicated emergency number: no menu, no announcement, straight into the lane (as
    if the top menu's emergency option, its first, had been chosen)."""
    top = script.menus[TOP]
    choice = PathStep(TOP, top.options[0].digit, ChoiceBy.NUMBER)
    chosen = await run_in_threadpool(
        lambda: voice.record_choice(
            context.uow_factory(), call_sid=record.call_sid, step=0, choice=choice
        )
    )
    return await _follow(context, record.call_sid, script, top, chosen, 0)


@router.post("/menu")
async def menu_answer(request: Request, menu: MenuId, step: Step, attempt: Attempt) -> Response:
    params = dict(await signed_form(request))
    context = _context(request)
    record = await _start(context, params)
    script = _script(context, record)
    current = script.menu(menu)
    if current is None:
        raise ValidationError(f"there is no menu {menu!r}")
    if step < len(record.ivr_path):  # a retried webhook: the stored choice decides
        chosen = record.ivr_path[step]
    else:
        option, by = _answer(current, params)
        if option is None:
            if attempt < MAX_ATTEMPTS:
                action = _menu_url(context, menu, step, attempt + 1)
                return _xml(twiml.menu(script, current, action=action, sorry=True))
            option, by = next(o for o in current.options if o.person), ChoiceBy.FALLBACK
        choice = PathStep(menu, option.digit, by)
        chosen = await run_in_threadpool(
            lambda: voice.record_choice(
                context.uow_factory(), call_sid=record.call_sid, step=step, choice=choice
            )
        )
    return await _follow(context, record.call_sid, script, current, chosen, step)


def _answer(current: Menu, params: dict[str, str]) -> tuple[Option | None, ChoiceBy]:
    digits = params.get("Digits", "")
    option = choose(current, digits=digits, speech=params.get("SpeechResult", ""))
    return option, ChoiceBy.DTMF if digits.strip() else ChoiceBy.SPEECH


async def _follow(
    context: AppContext,
    call_sid: str,
    script: IvrScript,
    current: Menu,
    chosen: PathStep,
    step: int,
) -> Response:
    option = current.option(chosen.digit) if chosen.menu == current.id else None
    if option is None:
        raise ValidationError(f"step {step} of this call was answered in another menu")
    if option.submenu is not None:
        submenu = script.menus[option.submenu]
        action = _menu_url(context, submenu.id, step + 1)
        return _xml(twiml.menu(script, submenu, action=action))
    route = script.route_of(option)
    assert route is not None  # an option is a submenu or a route (the lint)
    record = await run_in_threadpool(voice.get_call, context.uow_factory(), call_sid)
    intake = await _intake(context, record, script, route, callback=False)
    await run_in_threadpool(
        lambda: voice.mark_queued(
            context.uow_factory(),
            call_sid=call_sid,
            route=route,
            now=context.clock.now(),
            intake=intake,
        )
    )
    wait_url = _url(context, "/voice/wait")
    action = _url(context, "/voice/queued")
    reference = intake.emergency_reference if intake is not None else None
    return _xml(twiml.enqueue(script, route, wait_url=wait_url, action=action, reference=reference))


async def _intake(
    context: AppContext, record: CallRecord, script: IvrScript, route: Route, *, callback: bool
) -> IntakeResult | None:
    """The call as an inbound message on channel phone, durably stored before we answer."""
    message = voice.call_message(record, script, route, callback=callback)
    if message is None:  # number withheld: no customer to match, no case to open
        return None
    try:
        return await context.intake_writer.submit(IntakeRequest(message, actor=voice.VOICE_ACTOR))
    except DomainError as refused:
        log.warning("voice: intake refused call %s: %s", record.call_sid, refused.code)
        return None


@router.post("/wait")
async def wait(request: Request) -> Response:
    params = dict(await signed_form(request))
    context = _context(request)
    record = await _existing(context, params)
    script = _script(context, record)
    position = params.get("QueuePosition", "")
    offer = voice.caller_number(record.from_number) is not None
    return _xml(
        twiml.waiting(
            script,
            position=int(position) if position.isdigit() else None,
            callback_action=_url(context, "/voice/callback") if offer else None,
        )
    )


@router.post("/callback")
async def callback(request: Request) -> Response:
    params = dict(await signed_form(request))
    context, record, script, wanted = await _callback_answer(request, params)
    known = voice.caller_number(record.from_number) is not None
    if not (wanted and known and record.status in (CallStatus.QUEUED, CallStatus.CALLBACK)):
        return _xml(twiml.back_to_waiting(_url(context, "/voice/wait")))
    route = Route(record.queue or script.person_queue, record.priority or Priority.NORMAL)
    if await _intake(context, record, script, route, callback=True) is None:
        return _xml(twiml.back_to_waiting(_url(context, "/voice/wait")))  # not stored: stay
    await run_in_threadpool(
        lambda: voice.mark_callback(
            context.uow_factory(), call_sid=record.call_sid, now=context.clock.now()
        )
    )
    return _xml(twiml.leave_for_callback(script))


async def _callback_answer(
    request: Request, params: dict[str, str]
) -> tuple[AppContext, CallRecord, IvrScript, bool]:
    """The call of a call-back answer and whether the caller asked to be called back."""
    context = _context(request)
    record = await _existing(context, params)
    script = _script(context, record)
    digits, speech = params.get("Digits", ""), params.get("SpeechResult", "")
    return context, record, script, asks_callback(script, digits=digits, speech=speech)


@router.post("/incident-callback")
async def incident_callback(request: Request) -> Response:
    """The call-back offered at once during an incident: queued for a person, then called back."""
    params = dict(await signed_form(request))
    context, record, script, wanted = await _callback_answer(request, params)
    if record.status is CallStatus.CALLBACK:  # a retried webhook
        return _xml(incident_twiml.callback_taken(script))
    route = Route(script.person_queue)
    if not wanted or record.status is not CallStatus.IVR:
        return _xml(twiml.back_to_waiting(_url(context, "/voice/incoming", announced=1)))
    intake = await _intake(context, record, script, route, callback=True)
    if intake is None:  # not stored: the caller goes on to the menu rather than being lost
        return _xml(twiml.back_to_waiting(_url(context, "/voice/incoming", announced=1)))
    now = context.clock.now()
    await run_in_threadpool(
        lambda: voice.mark_queued(
            context.uow_factory(), call_sid=record.call_sid, route=route, now=now, intake=intake
        )
    )
    await run_in_threadpool(
        lambda: voice.mark_callback(context.uow_factory(), call_sid=record.call_sid, now=now)
    )
    return _xml(incident_twiml.callback_taken(script))


@router.post("/queued")
async def queued(request: Request) -> Response:
    """The call left the queue (``QueueResult``): the conversation or the wait is over."""
    params = dict(await signed_form(request))
    context = _context(request)
    record = await _existing(context, params)
    ended = await run_in_threadpool(
        lambda: voice.mark_ended(
            context.uow_factory(), call_sid=record.call_sid, now=context.clock.now()
        )
    )
    script = _script(context, record)
    if params.get("QueueResult") == "hangup" or ended.status is CallStatus.CALLBACK:
        return _xml(twiml.goodbye(None))
    return _xml(twiml.goodbye(script))


@router.post("/answered")
async def answered(request: Request) -> Response:
    params = dict(await signed_form(request))
    context = _context(request)
    record = await _existing(context, params)
    await run_in_threadpool(
        lambda: voice.mark_answered(
            context.uow_factory(), call_sid=record.call_sid, now=context.clock.now()
        )
    )
    return _xml(twiml.connected(_script(context, record)))


@router.post("/status")
async def status(request: Request) -> Response:
    """Status callbacks of every call leg; legs we have no record of (agents') are ignored."""
    params = dict(await signed_form(request))
    context = _context(request)
    if params.get("CallStatus") not in FINAL_STATUSES:
        return _xml(twiml.empty())
    call_sid = required(params, "CallSid")

    def end() -> None:
        uow = context.uow_factory()
        if voice.known_call(uow, call_sid):
            voice.mark_ended(context.uow_factory(), call_sid=call_sid, now=context.clock.now())

    await run_in_threadpool(end)
    return _xml(twiml.empty())


@router.post("/agent")
async def agent(
    request: Request,
    queues: Annotated[str | None, Query(max_length=400, description="comma-separated")] = None,
) -> Response:
    """An agent's phone (its Twilio number or app) takes the most urgent waiting call."""
    await signed_form(request)
    context = _context(request)
    wanted = frozenset(q.strip() for q in queues.split(",") if q.strip()) if queues else None
    queue = await run_in_threadpool(
        lambda: voice.next_waiting_queue(context.uow_factory(read_only=True), queues=wanted)
    )
    return _xml(twiml.dial_queue(queue, answered_url=_url(context, "/voice/answered")))
