"""The phone's ways into the emergency lane: the menu's first option and the dedicated number.

Both store a report (its reference read out to the caller, character by character) and queue
the call in the emergency lane; the dedicated number skips the menu altogether.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from tests.web.support import FakeClock, World
from tests.web.test_voice import call_params, twilio, twiml, voice_app

from klantenservice.domain.emergency_reports import ReportVia
from klantenservice.web.deps import AppContext

EMERGENCY_LINE = "+31800123456"


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    return voice_app(database_url, clock, voice_emergency_numbers=[EMERGENCY_LINE])


@pytest.fixture
def lane(world: World) -> Iterator[World]:
    response = world.client.post(
        "/api/v1/admin/queues", headers=world.admin, json={"name": "emergency"}
    )
    assert response.status_code == 201, response.text
    yield world


def reports(context: AppContext) -> list[tuple[str, ReportVia, int]]:
    with context.uow_factory() as uow:
        found = uow.emergencies.lane(
            reported_from=context.clock.now().replace(year=2000),
            reported_until=context.clock.now().replace(year=2100),
            open_only=False,
        )
        return [
            (entry.reference, report.via, report.case_id)
            for entry in found
            for report in uow.emergencies.reports_for_case(entry.case_id)
        ]


def test_the_emergency_number_skips_the_menu_and_reads_out_the_reference(
    lane: World, context: AppContext
) -> None:
    answer = twiml(twilio(lane.client, "/voice/incoming", call_params(to=EMERGENCY_LINE)))
    said = " ".join(say.text or "" for say in answer.iter("Say"))
    (queue,) = [element.text for element in answer.iter("Enqueue")]
    assert queue == "emergency" and not list(answer.iter("Gather"))  # no menu
    ((reference, via, case_id),) = reports(context)
    assert via is ReportVia.EMERGENCY_NUMBER
    spelled = ", ".join(" ".join(part) for part in reference.split("-"))
    assert f"Uw referentie is {spelled}" in said
    case = lane.case(case_id)
    assert (case["priority"], case["channel"]) == ("emergency", "phone")


def test_the_menus_emergency_option_is_recorded_as_such(lane: World, context: AppContext) -> None:
    twiml(twilio(lane.client, "/voice/incoming", call_params(sid="CA200")))
    answer = twiml(
        twilio(lane.client, "/voice/menu?menu=main&step=0&attempt=1",
               call_params(sid="CA200", Digits="1"))
    )  # fmt: skip
    said = " ".join(say.text or "" for say in answer.iter("Say"))
    ((reference, via, _case_id),) = reports(context)
    assert via is ReportVia.IVR_OPTION
    assert re.sub(r"[ ,]", "", said).count(reference.replace("-", "")) == 2  # said twice
