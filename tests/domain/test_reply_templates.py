"""Reply templates: only known variables, filled in as plain text, never evaluated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.reply_templates import (
    MAX_BODY_LENGTH,
    VARIABLES,
    ReplyTemplate,
    ReplyTemplateId,
    TemplateValues,
    check_name,
    fill,
    first_name,
)
from klantenservice.domain.vocabulary import Language

VALUES = TemplateValues(
    customer_name="Jan de Vries",
    case_reference="KS-000042",
    case_subject="Pas geblokkeerd",
    agent_name="Anna Smit",
)


def template(body: str) -> ReplyTemplate:
    return ReplyTemplate(ReplyTemplateId(1), "Test", Language.NL, body)


def test_every_variable_is_filled_in() -> None:
    body = " | ".join(f"${name}" for name in VARIABLES)
    assert fill(template(body), VALUES) == (
        "Jan de Vries | Jan | KS-000042 | Pas geblokkeerd | Anna Smit | Anna"
    )


def test_braces_and_a_doubled_dollar_work_as_in_string_template() -> None:
    assert fill(template("${case_reference}: $$5"), VALUES) == "KS-000042: $5"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Dag $voornaam", "unknown variable(s) $voornaam"),
        ("Dag ${customer_name} en $x en $y", "unknown variable(s) $x, $y"),
        ("Kost $5", "starts no variable"),
        ("Dag ${customer_name", "starts no variable"),
        ("   \n", "empty"),
        ("x" * (MAX_BODY_LENGTH + 1), "the limit is 10000"),
    ],
)
def test_a_text_with_unknown_variables_or_a_stray_dollar_is_refused(
    body: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        template(body)
    assert message in refused.value.message


def test_a_name_is_tidied_and_limited() -> None:
    assert check_name("  Pas   geblokkeerd ") == "Pas geblokkeerd"
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(ValidationError):
            check_name(bad)


def test_first_name_is_the_first_word_or_nothing() -> None:
    assert first_name("Jan de Vries") == "Jan"
    assert first_name("  ") == ""
    empty = TemplateValues("", "KS-000001", "s", "Anna")
    assert fill(template("Beste $customer_first_name,"), empty) == "Beste ,"


@given(st.text(max_size=60))
def test_values_are_inserted_literally_never_filled_in_again(name: str) -> None:
    """A customer called "$agent_name" or "${x}" stays exactly that: one pass, no evaluation."""
    values = TemplateValues(name, "KS-000001", "{{ 7 * 7 }}", "Anna")
    assert (
        fill(template("[$customer_name] [$case_subject]"), values) == f"[{name}] [{{{{ 7 * 7 }}}}]"
    )
