from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klantenservice.domain.audit import (
    FORBIDDEN_DETAIL_KEYS,
    GENESIS_HASH,
    AuditAnchor,
    AuditRecord,
    canonical_bytes,
    chain_hash,
    record_hash,
    seal,
    verify_chain,
)
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import Priority, Role

T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
ALTERED = "hash mismatch: record was altered"
REMOVED = "prev_hash does not match previous record's hash: a record was removed or inserted"


def make_chain(n: int, *, start: datetime = T0) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(n):
        records.append(
            seal(
                records[-1] if records else None,
                at=start + timedelta(seconds=i),
                actor=f"user:{i % 3 + 1}",
                action="case.assigned",
                subject_type="case",
                subject_id=str(100 + i),
                details={"agent": i, "queue": "hypotheken"},
            )
        )
    return records


def rehash_from(records: list[AuditRecord], start: int) -> list[AuditRecord]:
    """What an attacker with write access does: recompute every hash from ``start`` on."""
    out = records[:start]
    for record in records[start:]:
        prev_hash = out[-1].hash if out else GENESIS_HASH
        fixed = dataclasses.replace(record, prev_hash=prev_hash)
        out.append(dataclasses.replace(fixed, hash=record_hash(fixed)))
    return out


# --- sealing ------------------------------------------------------------------------------


def test_the_first_record_starts_at_seq_1_after_the_genesis_hash() -> None:
    first = make_chain(1)[0]
    assert first.seq == 1
    assert first.prev_hash == GENESIS_HASH == "0" * 64
    assert first.hash == record_hash(first)
    assert len(first.hash) == 64


def test_each_record_points_at_the_hash_of_the_one_before() -> None:
    records = make_chain(4)
    assert [r.seq for r in records] == [1, 2, 3, 4]
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash


def test_the_canonical_form_is_sorted_compact_json_with_utc_microseconds() -> None:
    body = canonical_bytes(
        seq=1,
        at=T0,
        actor="user:12",
        action="case.assigned",
        subject_type="case",
        subject_id="42",
        details={"queue": "kaarten", "agent": 7},
    )
    assert body == (
        b'{"action":"case.assigned","actor":"user:12","at":"2026-03-02T09:15:00.000000Z",'
        b'"details":{"agent":7,"queue":"kaarten"},"seq":1,"subject_id":"42","subject_type":"case"}'
    )


def test_the_hash_of_a_known_record_never_changes() -> None:
    # Pinned: if this fails, the canonical form changed and every stored chain breaks.
    digest = chain_hash(
        GENESIS_HASH,
        seq=1,
        at=T0,
        actor="user:12",
        action="case.assigned",
        subject_type="case",
        subject_id="42",
        details={"agent": 7, "queue": "kaarten"},
    )
    assert digest == "ee8ec7b2e409b542220e7918fbd145499abe2a23076f914c191aa2103e5a91a7"


def test_a_time_in_another_zone_is_stored_and_hashed_as_utc() -> None:
    amsterdam = T0.astimezone(timezone(timedelta(hours=1)))
    local = seal(None, at=amsterdam, actor="system", action="a.b", subject_type="x", subject_id="1")
    utc = seal(None, at=T0, actor="system", action="a.b", subject_type="x", subject_id="1")
    assert local.at.tzinfo is UTC
    assert local.hash == utc.hash


def test_a_naive_time_is_refused() -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(ValidationError, match="time-zone aware"):
        seal(None, at=naive, actor="system", action="a.b", subject_type="x", subject_id="1")


@pytest.mark.parametrize("action", ["assigned", "Case.Assigned", "case.", ".case", "case.x\n"])
def test_an_action_must_be_dotted_lower_case_words(action: str) -> None:
    with pytest.raises(ValidationError, match="dotted lower-case"):
        seal(None, at=T0, actor="system", action=action, subject_type="case", subject_id="1")


@pytest.mark.parametrize(
    ("field", "value"),
    [("actor", ""), ("actor", "u" * 65), ("subject_type", "t" * 33), ("subject_id", "")],
)
def test_fields_that_the_store_would_truncate_are_refused(field: str, value: str) -> None:
    fields: dict[str, Any] = {
        "actor": "system",
        "subject_type": "case",
        "subject_id": "1",
        field: value,
    }
    with pytest.raises(ValidationError, match=f"audit {field} must be"):
        seal(None, at=T0, action="case.viewed", **fields)


@pytest.mark.parametrize(
    "details",
    [
        {"body": "Mijn pas is gestolen"},
        {"change": {"BSN": "123456782"}},
        {"changes": [{"iban": "NL91ABNA0417164300"}]},
        {"token": "ks_abc"},
    ],
)
def test_details_may_not_carry_bodies_secrets_or_personal_numbers(details: Any) -> None:
    with pytest.raises(ValidationError, match="never holds message bodies"):
        seal(
            None, at=T0, actor="s", action="a.b", subject_type="x", subject_id="1", details=details
        )


@pytest.mark.parametrize(
    "details",
    [{"at": T0}, {"amount": Decimal("1.50")}, {"tags": {"a"}}, {"score": float("nan")}, {1: "x"}],
)
def test_details_must_be_plain_json(details: Any) -> None:
    with pytest.raises(ValidationError, match="audit details"):
        seal(
            None, at=T0, actor="s", action="a.b", subject_type="x", subject_id="1", details=details
        )


def test_details_are_copied_so_the_caller_cannot_change_a_sealed_record() -> None:
    details: dict[str, Any] = {"fields": ["status"]}
    record = seal(
        None, at=T0, actor="system", action="a.b", subject_type="x", subject_id="1", details=details
    )
    details["fields"].append("priority")
    assert record.details == {"fields": ["status"]}
    assert verify_chain([record]).ok


def test_enums_and_tuples_in_details_become_plain_json() -> None:
    record = seal(
        None,
        at=T0,
        actor="system",
        action="a.b",
        subject_type="x",
        subject_id="1",
        details={"role": Role.AGENT, "priority": Priority.HIGH, "pair": (1, 2)},
    )
    assert record.details == {"role": "agent", "priority": 3, "pair": [1, 2]}
    assert type(record.details["role"]) is str
    assert type(record.details["priority"]) is int


def test_a_record_can_be_sealed_from_the_stored_head_alone() -> None:
    records = make_chain(2)
    head = AuditAnchor(seq=records[-1].seq, hash=records[-1].hash)
    kwargs: dict[str, Any] = {
        "at": T0,
        "actor": "system",
        "action": "a.b",
        "subject_type": "x",
        "subject_id": "1",
    }
    assert seal(head, **kwargs) == seal(records[-1], **kwargs)


def test_sealing_from_a_malformed_head_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot extend"):
        seal(
            AuditAnchor(seq=3, hash="xyz"),
            at=T0,
            actor="system",
            action="a.b",
            subject_type="x",
            subject_id="1",
        )


def test_records_are_immutable() -> None:
    record = make_chain(1)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.actor = "user:666"  # type: ignore[misc]


# --- verifying ----------------------------------------------------------------------------


def test_an_empty_trail_is_intact_with_the_genesis_head() -> None:
    verdict = verify_chain([])
    assert verdict.ok
    assert (verdict.count, verdict.head_seq, verdict.head_hash) == (0, 0, GENESIS_HASH)


def test_an_untouched_chain_verifies_and_reports_its_head() -> None:
    records = make_chain(5)
    verdict = verify_chain(records)
    assert verdict.ok
    assert (verdict.count, verdict.head_seq, verdict.head_hash) == (5, 5, records[-1].hash)
    assert verdict.seq is None
    assert verdict.reason is None
    assert verdict.summary() == f"audit trail intact: 5 records; head seq 5 hash {records[-1].hash}"


def test_a_chain_survives_a_round_trip_through_a_json_column() -> None:
    records = make_chain(3)
    stored = [
        dataclasses.replace(
            r,
            at=datetime.fromisoformat(r.at.isoformat()),
            details=json.loads(json.dumps(r.details)),
        )
        for r in records
    ]
    assert verify_chain(stored).ok


def test_an_edited_record_is_reported_as_altered_at_its_seq() -> None:
    records = make_chain(5)
    records[2] = dataclasses.replace(records[2], actor="user:99")
    verdict = verify_chain(records)
    assert not verdict.ok
    assert (verdict.seq, verdict.reason) == (3, ALTERED)
    assert (verdict.count, verdict.head_seq, verdict.head_hash) == (2, 2, records[1].hash)
    assert verdict.summary().startswith(f"audit trail BROKEN at seq 3: {ALTERED}; 2 records")


def test_a_deleted_record_is_reported_at_the_next_seq() -> None:
    records = make_chain(5)
    del records[2]
    verdict = verify_chain(records)
    assert (verdict.ok, verdict.seq, verdict.reason) == (False, 4, REMOVED)


def test_an_inserted_record_is_reported_where_the_chain_no_longer_links() -> None:
    records = make_chain(4)
    forged = seal(
        records[1], at=T0, actor="user:9", action="case.viewed", subject_type="case", subject_id="1"
    )
    records.insert(2, forged)
    verdict = verify_chain(records)
    assert (verdict.ok, verdict.seq, verdict.reason) == (False, 3, REMOVED)
    assert verdict.count == 3  # the forged record itself is consistent; its successor is not


def test_a_deletion_hidden_by_rehashing_shows_as_a_sequence_gap() -> None:
    records = make_chain(6)
    del records[3]
    verdict = verify_chain(rehash_from(records, 3))
    assert (verdict.ok, verdict.seq) == (False, 5)
    assert verdict.reason == "sequence gap: expected 4, found 5"


def test_a_repeated_seq_is_reported_as_out_of_order() -> None:
    records = rehash_from([*make_chain(3), make_chain(3)[2]], 3)
    verdict = verify_chain(records)
    assert verdict.reason == "sequence out of order: expected 4, found 3"


def test_a_stored_record_with_a_naive_time_is_reported_not_raised() -> None:
    records = make_chain(2)
    records[1] = dataclasses.replace(records[1], at=records[1].at.replace(tzinfo=None))
    verdict = verify_chain(records)
    assert verdict.seq == 2
    assert (verdict.reason or "").startswith("record cannot be hashed: ")


def test_verification_streams_and_stops_at_the_first_broken_link() -> None:
    records = make_chain(6)
    records[1] = dataclasses.replace(records[1], subject_id="999")
    consumed: list[int] = []

    def stream() -> Iterator[AuditRecord]:
        for record in records:
            consumed.append(record.seq)
            yield record

    assert verify_chain(stream()).seq == 2
    assert consumed == [1, 2]


def test_a_whole_rewritten_chain_verifies_without_an_anchor() -> None:
    # The documented limit: with database write access the chain can be rebuilt.
    records = make_chain(5)
    records[1] = dataclasses.replace(records[1], actor="user:99")
    assert verify_chain(rehash_from(records, 1)).ok


def test_an_anchor_detects_a_chain_rewritten_after_it_was_taken() -> None:
    records = make_chain(5)
    anchor = AuditAnchor(seq=4, hash=records[3].hash)
    records[1] = dataclasses.replace(records[1], actor="user:99")
    verdict = verify_chain(rehash_from(records, 1), anchor=anchor)
    assert (verdict.ok, verdict.seq) == (False, 4)
    assert "rewritten after it was anchored" in (verdict.reason or "")


def test_an_anchor_detects_records_cut_off_the_end() -> None:
    records = make_chain(5)
    anchor = AuditAnchor(seq=5, hash=records[4].hash)
    assert verify_chain(records[:3]).ok  # without the anchor, truncation is invisible
    verdict = verify_chain(records[:3], anchor=anchor)
    assert (verdict.ok, verdict.seq, verdict.head_seq) == (False, 4, 3)
    assert verdict.reason == (
        "the trail ends at seq 3 but was anchored at seq 5: records were removed from the end"
    )


def test_a_matching_anchor_and_later_records_verify() -> None:
    records = make_chain(5)
    assert verify_chain(records, anchor=AuditAnchor(seq=3, hash=records[2].hash)).ok


# --- properties ---------------------------------------------------------------------------

_keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=6).filter(
    lambda k: k not in FORBIDDEN_DETAIL_KEYS
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=4,
)
_event = st.fixed_dictionaries(
    {
        "actor": st.sampled_from(["system", "user:1", "user:12", "token:3"]),
        "action": st.builds(
            "{}.{}".format,
            st.text("abcxyz", min_size=1, max_size=6),
            st.text("abcxyz_", min_size=1, max_size=8).map(lambda verb: "v" + verb),
        ),
        "subject_type": st.sampled_from(["case", "customer", "user", "policy"]),
        "subject_id": st.integers(0, 999_999).map(str),
        "details": st.dictionaries(_keys, _json, max_size=3),
        "gap": st.integers(0, 10**9),
    }
)


@st.composite
def chains(draw: st.DrawFn, min_size: int = 1) -> list[AuditRecord]:
    events: list[dict[str, Any]] = draw(st.lists(_event, min_size=min_size, max_size=6))
    at = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=draw(st.integers(0, 10**17)))
    records: list[AuditRecord] = []
    for event in events:
        at += timedelta(microseconds=event.pop("gap"))
        records.append(seal(records[-1] if records else None, at=at, **event))
    return records


def _flip(hex_digest: str) -> str:
    return ("1" if hex_digest[0] == "0" else "0") + hex_digest[1:]


def _tampered(record: AuditRecord, field: str, delta: int) -> AuditRecord:
    changes: dict[str, Any] = {
        "seq": record.seq + delta,
        "at": record.at + timedelta(microseconds=delta),
        "actor": record.actor + "x",
        "action": record.action + "x",
        "subject_type": record.subject_type + "x",
        "subject_id": record.subject_id + "0",
        "details": {**record.details, "TAMPERED": delta},
        "prev_hash": _flip(record.prev_hash),
        "hash": _flip(record.hash),
    }
    return dataclasses.replace(record, **{field: changes[field]})


@given(
    records=chains(),
    data=st.data(),
    field=st.sampled_from([f.name for f in dataclasses.fields(AuditRecord)]),
    delta=st.integers(-3, 3).filter(bool),
)
def test_tampering_with_any_field_of_any_record_is_caught_at_that_record(
    records: list[AuditRecord], data: st.DataObject, field: str, delta: int
) -> None:
    assert verify_chain(records).ok
    index = data.draw(st.integers(0, len(records) - 1))
    records[index] = _tampered(records[index], field, delta)
    verdict = verify_chain(records)
    assert not verdict.ok
    assert verdict.seq == records[index].seq  # as stored, so the row can be looked up
    assert verdict.count == verdict.head_seq == index


@given(records=chains(min_size=2), data=st.data())
def test_deleting_any_record_but_the_last_is_caught_at_the_next_seq(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(records) - 2))
    removed = records.pop(index)
    verdict = verify_chain(records)
    assert (verdict.ok, verdict.seq, verdict.reason) == (False, removed.seq + 1, REMOVED)


@given(records=chains())
def test_any_sealed_chain_verifies_to_its_last_record(records: list[AuditRecord]) -> None:
    verdict = verify_chain(iter(records))
    assert verdict.ok
    assert (verdict.count, verdict.head_hash) == (len(records), records[-1].hash)
