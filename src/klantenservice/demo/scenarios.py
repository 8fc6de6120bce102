"""The PRODUCT.md scenarios as named customers and cases in the demo.

Each scenario is a scripted case plan at a fixed local time relative to ``now`` (so it is
recent in every demo), written by the same builder as the generated history:

    first-trade        Sarah's first trade fails; in one chat the agent finds her unverified
                       bank link, she verifies, the agent explains order types: resolved
    double-charge      Pieter mails about double-charged fees on a Monday, calls on the
                       Wednesday; the call lands on the same case, the call agent sees the mail
    kifid-complaint    Ingrid's third contact about the same refund, in chat: "ik ga naar het
                       Kifid"; tagged as a complaint, raised to high priority by the
                       supervisor; the final answer names Kifid
    gdpr-access        Oliver mails "I want to see all data you hold on me": access request,
                       acknowledged with its one-month deadline, answered with the export
    fraud-sunday-0213  Henk, locked out of the app, reports money leaving his account through
                       the web form at 02:13 on a Sunday: emergency lane, called back in 6 min
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from klantenservice.demo.intents import DOUBLE_CHARGE
from klantenservice.demo.people import PeopleFactory, Person
from klantenservice.demo.plan import (
    CasePlan,
    Contact,
    Escalate,
    NewCase,
    Note,
    Planner,
    Reply,
    SetStatus,
    Tag,
    TakeOver,
)
from klantenservice.demo.standard import EMERGENCY_QUEUE
from klantenservice.demo.texts import fill_values
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.vocabulary import Channel, Language, Priority

ZONE = ZoneInfo("Europe/Amsterdam")
SUNDAY, MONDAY, TUESDAY, THURSDAY = 6, 0, 1, 3

SCENARIOS = {
    "first-trade": "Sarah's first trade fails; solved in one chat (first-contact resolution)",
    "double-charge": "double-charged fees: e-mail, then a phone call two days later, one case",
    "kifid-complaint": "chat: 'derde keer dat ik het vraag, ik ga naar het Kifid': complaint",
    "gdpr-access": "e-mail: 'I want to see all data you hold on me': GDPR access request",
    "fraud-sunday-0213": "web form at 02:13 on a Sunday: money leaving the account, emergency",
}
RESOLVED = SetStatus(CaseStatus.RESOLVED)


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    people: tuple[Person, ...]
    plans: tuple[CasePlan, ...]
    cases: dict[str, int]  # scenario name -> plan key of its case


def local_moment(now: datetime, *, days_ago: int, weekday: int | None, at: time) -> datetime:
    """``at`` (Amsterdam time) on the last ``weekday`` at least ``days_ago`` days before now."""
    day = (now.astimezone(ZONE) - timedelta(days=days_ago)).date()
    while weekday is not None and day.weekday() != weekday:
        day -= timedelta(days=1)
    return datetime.combine(day, at, tzinfo=ZONE).astimezone(UTC)


def build_scenarios(planner: Planner, factory: PeopleFactory) -> ScenarioSet:
    nl, en = Language.NL, Language.EN
    sarah = factory.person(
        first="Sarah",
        last="de Wit",
        country="NL",
        language=nl,
        verification=VerificationLevel.CONTACT,
        key="sarah",
    )
    pieter = factory.person(
        first="Pieter", last="Jansen", country="NL", language=nl, whatsapp=True, key="pieter"
    )
    ingrid = factory.person(first="Ingrid", last="Bakker", country="NL", language=nl, key="ingrid")
    oliver = factory.person(
        first="Oliver",
        last="Bennett",
        country="GB",
        language=en,
        verification=VerificationLevel.STRONG,
        key="oliver",
    )
    henk = factory.person(
        first="Henk", last="Visser", country="NL", language=nl, vulnerable=True, key="henk"
    )
    earlier = _earlier_refund_questions(planner, ingrid)
    plans = {
        "first-trade": _first_trade(planner, sarah),
        "double-charge": _double_charge(planner, pieter),
        "kifid-complaint": _kifid_complaint(planner, ingrid),
        "gdpr-access": _gdpr_access(planner, oliver),
        "fraud-sunday-0213": _fraud_sunday(planner, henk),
    }
    for plan in plans.values():
        planner.close_later(plan)
    return ScenarioSet(
        people=(sarah, pieter, ingrid, oliver, henk),
        plans=(*earlier, *plans.values()),
        cases={name: plan.key for name, plan in plans.items()},
    )


def _plan(planner: Planner, person: Person, channel: Channel, at: datetime) -> CasePlan:
    values = fill_values(planner.rng, first=person.first_name, name=person.name, at=at)
    return planner.new_plan(person, channel, values, frozenset())


def _first_trade(planner: Planner, sarah: Person) -> CasePlan:
    start = local_moment(planner.now, days_ago=12, weekday=TUESDAY, at=time(19, 4, 12))
    plan = _plan(planner, sarah, Channel.CHAT, start)
    new = NewCase(
        "Foutmelding bij eerste order",
        "investments",
        Priority.NORMAL,
        "beleggen",
        frozenset({"investments"}),
    )
    plan.add(
        start,
        Contact(
            Channel.CHAT,
            (
                "Hoi! Ik probeer voor het eerst aandelen te kopen (10 aandelen ASML), maar ik "
                "krijg steeds de foutmelding 'Order kan niet worden uitgevoerd'. Wat doe ik fout?"
            ),
            new,
        ),
    )
    plan.add(
        start + timedelta(seconds=74),
        Reply(
            "Hoi Sarah, ik kijk even met je mee. Ik zie dat de koppeling met je tegenrekening nog "
            "niet geverifieerd is; zolang dat niet gebeurd is, kun je geen orders plaatsen. Ga in "
            "de app naar 'Profiel > Tegenrekening' en doe de verificatieoverboeking van € 0,01. Ik "
            "wacht even op je."
        ),
    )
    plan.add(
        start + timedelta(minutes=5, seconds=8),
        Contact(Channel.CHAT, "Gedaan! Er staat nu een groen vinkje bij mijn tegenrekening."),
    )
    plan.add(
        start + timedelta(minutes=6, seconds=2),
        Reply(
            "Top, je koppeling is geverifieerd en je kunt nu beleggen. Nog een tip voor je order: "
            "met een bestensorder koop je direct tegen de actuele koers; met een limietorder geef "
            "je een maximumprijs op en wordt de order pas uitgevoerd als de koers daar op of onder "
            "komt. Voor een eerste aankoop kiezen veel mensen een limietorder, dan betaal je nooit "
            "meer dan je wilt."
        ),
    )
    plan.add(
        start + timedelta(minutes=9, seconds=40),
        Contact(
            Channel.CHAT, "Duidelijk! Limietorder geplaatst en hij is al uitgevoerd. Dank je wel!"
        ),
    )
    plan.add(start + timedelta(minutes=10, seconds=5), Tag(frozenset({"first-trade"})))
    plan.add(start + timedelta(minutes=10, seconds=30), RESOLVED)
    return plan


def _double_charge(planner: Planner, pieter: Person) -> CasePlan:
    start = local_moment(planner.now, days_ago=16, weekday=MONDAY, at=time(9, 12, 31))
    plan = _plan(planner, pieter, Channel.EMAIL, start)
    new = NewCase(
        "Kosten betaalpakket twee keer afgeschreven",
        "payments",
        Priority.NORMAL,
        None,
        frozenset({"payments"}),
    )
    plan.add(
        start,
        Contact(
            Channel.EMAIL,
            (
                "Ik zie dat de maandelijkse kosten voor mijn betaalpakket (€ 3,95) deze maand twee "
                "keer zijn afgeschreven, op de 1e en op de 2e. Kunnen jullie de dubbele "
                "afschrijving terugstorten?"
            ),
            new,
        ),
    )
    plan.add(
        start + timedelta(hours=5, minutes=21),
        Reply(
            "Dank voor uw bericht. Ik zie inderdaad twee afschrijvingen van € 3,95 en heb dit "
            "doorgezet naar onze afdeling betalingsverkeer. U hoort zo snel mogelijk van ons."
        ),
    )
    plan.add(plan.end + timedelta(seconds=40), SetStatus(CaseStatus.PENDING_INTERNAL))
    plan.add(
        plan.end + timedelta(minutes=2),
        Note("Doorgezet naar betalingsverkeer: pakketkosten dubbel geboekt."),
    )
    call = start + timedelta(days=2, hours=1, minutes=29)
    plan.add(
        call,
        Contact(
            Channel.PHONE,
            (
                "ik heb maandag gemaild over dubbel afgeschreven kosten voor mijn betaalpakket en "
                "wil weten hoe het ermee staat."
            ),
        ),
    )
    plan.add(call + timedelta(seconds=25), TakeOver("tom"))
    plan.add(
        call + timedelta(minutes=4, seconds=10),
        Reply(
            "ik zie uw e-mail van maandag in het dossier. De dubbele afschrijving van € 3,95 is "
            "vandaag teruggeboekt; u ziet het bedrag morgen op uw rekening. Excuses voor het "
            "ongemak.",
            channel=Channel.PHONE,
        ),
    )
    plan.add(
        plan.end + timedelta(minutes=1),
        Note(
            "Klant belde over de e-mail van maandag; terugboeking bevestigd. Tweede contact nodig: "
            "geen first-contact resolution."
        ),
    )
    plan.add(plan.end + timedelta(minutes=1), RESOLVED)
    return plan


def _earlier_refund_questions(planner: Planner, ingrid: Person) -> list[CasePlan]:
    plans = []
    for days_ago in (52, 38):
        at = local_moment(planner.now, days_ago=days_ago, weekday=THURSDAY, at=time(10, 5))
        plan = _plan(planner, ingrid, Channel.EMAIL, at)
        planner.open(plan, at, DOUBLE_CHARGE, Priority.NORMAL, None)
        planner.ask_then_answer(plan, DOUBLE_CHARGE, Priority.NORMAL, None)
        planner.close_later(plan)
        plans.append(plan)
    return plans


def _kifid_complaint(planner: Planner, ingrid: Person) -> CasePlan:
    start = local_moment(planner.now, days_ago=24, weekday=THURSDAY, at=time(14, 20, 3))
    plan = _plan(planner, ingrid, Channel.CHAT, start)
    new = NewCase(
        "Derde keer: terugboeking nog steeds niet ontvangen",
        "complaint",
        Priority.NORMAL,
        None,
        frozenset(),
    )
    plan.add(
        start,
        Contact(
            Channel.CHAT,
            (
                "Dit is de derde keer dat ik dit vraag: de dubbele afschrijving is nog steeds niet "
                "teruggestort. Ik ben het echt zat. Als dit niet wordt opgelost, ga ik naar het "
                "Kifid."
            ),
            new,
        ),
    )
    plan.add(
        start + timedelta(seconds=95),
        Reply(
            "Het spijt me echt dat u hier voor de derde keer over contact moet opnemen. Ik heb uw "
            "klacht geregistreerd en doorgezet naar onze klachtenafdeling. U ontvangt binnen vijf "
            "werkdagen een ontvangstbevestiging en daarna ons inhoudelijke antwoord."
        ),
    )
    plan.add(plan.end + timedelta(seconds=20), Tag(frozenset({"complaint", "kifid"})))
    plan.add(plan.end + timedelta(seconds=40), Escalate(Priority.HIGH))  # the supervisor
    plan.add(plan.end + timedelta(seconds=30), SetStatus(CaseStatus.PENDING_INTERNAL))
    plan.add(
        plan.end + timedelta(minutes=3),
        Note(
            "Klacht: derde contact over dezelfde terugboeking (zie de twee eerdere zaken). Klant "
            "noemt het Kifid. Doorgezet naar het klachtenteam."
        ),
    )
    answer = local_moment(planner.now, days_ago=13, weekday=TUESDAY, at=time(11, 40))
    plan.add(
        answer,
        Reply(
            "Wij hebben uw klacht onderzocht en gegrond verklaard: de dubbele afschrijving is "
            "teruggestort en als tegemoetkoming hebben wij € 25,00 op uw rekening gestort. Bent u "
            "het niet eens met deze uitkomst, dan kunt u uw klacht binnen drie maanden na dit "
            "antwoord voorleggen aan het Klachteninstituut Financiële Dienstverlening (Kifid), "
            "Postbus 93257, 2509 AG Den Haag, www.kifid.nl.",
            channel=Channel.EMAIL,
        ),
    )
    plan.add(plan.end + timedelta(minutes=2), RESOLVED)
    return plan


def _gdpr_access(planner: Planner, oliver: Person) -> CasePlan:
    start = local_moment(planner.now, days_ago=21, weekday=None, at=time(21, 47, 9))
    deadline = (start.astimezone(ZONE) + timedelta(days=30)).strftime("%d %B %Y")
    plan = _plan(planner, oliver, Channel.EMAIL, start)
    new = NewCase("Subject access request", "privacy", Priority.NORMAL, None, frozenset())
    plan.add(
        start,
        Contact(
            Channel.EMAIL,
            (
                "I want to see all data you hold on me. Under Article 15 of the GDPR, please send "
                "me a copy of all personal data you process about me, what you use it for and who "
                "you have shared it with."
            ),
            new,
        ),
    )
    first = planner.calendar(None).add_working_time(start, timedelta(hours=2, minutes=13))
    plan.add(
        first,
        Reply(
            "We have received your access request under reference {reference}. You will receive "
            f"a complete overview within one month, at the latest on {deadline}. For your "
            "security we will place it in your secure inbox in the app."
        ),
    )
    plan.add(plan.end + timedelta(seconds=30), Tag(frozenset({"gdpr", "gdpr-access"})))
    plan.add(plan.end + timedelta(seconds=30), SetStatus(CaseStatus.PENDING_INTERNAL))
    plan.add(
        plan.end + timedelta(minutes=4),
        Note(
            "Inzageverzoek AVG art. 15: identiteit gecontroleerd via app-login, export aangevraagd "
            f"bij het privacyteam. Uiterste datum {deadline}."
        ),
    )
    plan.add(
        start + timedelta(days=16, hours=13),
        Reply(
            "Your data overview is ready in your secure inbox: your customer details, the history "
            "of your contacts with us including all messages, your products, the transactions of "
            "the last twelve months, and the parties we shared data with and why."
        ),
    )
    plan.add(plan.end + timedelta(minutes=1), RESOLVED)
    return plan


def _fraud_sunday(planner: Planner, henk: Person) -> CasePlan:
    start = local_moment(planner.now, days_ago=3, weekday=SUNDAY, at=time(2, 13, 27))
    plan = _plan(planner, henk, Channel.WEB_FORM, start)
    new = NewCase(
        "Noodgeval: geld verdwijnt van mijn rekening",
        "fraud",
        Priority.EMERGENCY,
        EMERGENCY_QUEUE,
        frozenset({"fraud"}),
    )
    plan.add(
        start,
        Contact(
            Channel.WEB_FORM,
            (
                "Ik kan niet meer inloggen in de app en ik zie via de rekening van mijn vrouw dat "
                "er geld van mijn rekening gaat! Er zijn drie overboekingen van € 950,00 gedaan "
                "die ik niet heb gedaan. Blokkeer alstublieft mijn pas en mijn rekening en bel mij "
                "op mijn mobiele nummer."
            ),
            new,
        ),
    )
    plan.add(
        start + timedelta(minutes=1, seconds=50), Tag(frozenset({"fraud", "card-block-requested"}))
    )
    plan.add(
        start + timedelta(minutes=2, seconds=5),
        Note(
            "Pas en internetbankieren geblokkeerd om 02:15 op verzoek van de klant (webformulier "
            "02:13). Klant wordt teruggebeld."
        ),
    )
    plan.add(
        start + timedelta(minutes=6, seconds=12),
        Reply(
            "klant teruggebeld. Betaalpas en internetbankieren zijn geblokkeerd; de drie "
            "overboekingen van € 950,00 zijn als fraude gemeld en worden teruggevraagd bij de "
            "ontvangende bank.",
            channel=Channel.PHONE,
        ),
    )
    plan.add(plan.end + timedelta(minutes=2), SetStatus(CaseStatus.PENDING_INTERNAL))
    plan.add(
        plan.end + timedelta(minutes=3),
        Note(
            "Account-overname na phishing-sms. Fraudeteam ingeschakeld, nieuwe pas besteld, klant "
            "gewezen op aangifte bij de politie."
        ),
    )
    plan.add(
        start + timedelta(days=1, hours=8, minutes=17),
        Reply(
            "Het volledige bedrag van € 2.850,00 is teruggestort op uw rekening. Uw nieuwe pas is "
            "onderweg; na ontvangst kunt u de app opnieuw activeren.",
            channel=Channel.EMAIL,
        ),
    )
    plan.add(plan.end + timedelta(minutes=1), RESOLVED)
    return plan
