"""WhatsApp's 24-hour window and templates, SMS consent keywords: plain values, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klantenservice.domain import sms, whatsapp
from klantenservice.domain.errors import InvalidTransition, NotFound, ValidationError

LAST = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_window_is_open_for_24_hours_after_the_customers_last_message() -> None:
    assert whatsapp.window_open(LAST, LAST)
    assert whatsapp.window_open(LAST, LAST + timedelta(hours=23, minutes=59, seconds=59))
    assert not whatsapp.window_open(LAST, LAST + timedelta(hours=24))
    assert not whatsapp.window_open(None, LAST)


def test_a_free_form_reply_outside_the_window_is_refused_with_what_to_do() -> None:
    whatsapp.check_free_form_allowed(LAST, LAST + timedelta(hours=1))
    with pytest.raises(InvalidTransition, match=r"closed at 2026-11-24T09:00.*template"):
        whatsapp.check_free_form_allowed(LAST, LAST + timedelta(hours=25))
    with pytest.raises(InvalidTransition, match="has not written to us"):
        whatsapp.check_free_form_allowed(None, LAST)


def test_a_template_renders_its_parameters_and_refuses_wrong_ones() -> None:
    registry = whatsapp.TemplateRegistry.from_mapping(
        {"pas": {"nl": "Beste {{1}}, pas {{2}} is geblokkeerd.", "en": "Dear {{1}}."}}
    )
    dutch = registry.get("pas", "nl")
    assert dutch.parameter_count == 2
    assert dutch.render(["Jan", "1234"]) == "Beste Jan, pas 1234 is geblokkeerd."
    with pytest.raises(ValidationError, match="takes 2 parameters, 1 given"):
        dutch.render(["Jan"])
    with pytest.raises(ValidationError, match="parameter 2 is empty"):
        dutch.render(["Jan", " "])
    with pytest.raises(ValidationError, match="line breaks"):
        dutch.render(["Jan", "12\n34"])
    with pytest.raises(NotFound, match="'pas' in language 'de'"):
        registry.get("pas", "de")
    assert len(registry) == 2


@pytest.mark.parametrize(
    "text", ["STOP", " stop ", "StopAll", "UNSUBSCRIBE", "cancel", "End", "QUIT"]
)
def test_opt_out_keywords(text: str) -> None:
    change = sms.consent_change(text)
    assert change is not None and change.opted_out


@pytest.mark.parametrize("text", ["START", "unstop"])
def test_opt_in_keywords(text: str) -> None:
    change = sms.consent_change(text)
    assert change is not None and not change.opted_out


@pytest.mark.parametrize("text", ["stop my card please", "STOPP", "", "Hallo"])
def test_ordinary_texts_change_no_consent(text: str) -> None:
    assert sms.consent_change(text) is None


def test_nothing_may_be_sent_to_an_opted_out_number() -> None:
    sms.check_may_send(False)
    with pytest.raises(InvalidTransition, match="opted out"):
        sms.check_may_send(True)
