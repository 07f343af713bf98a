"""The booking state machine and the domain errors it raises."""

from __future__ import annotations

import pickle
from itertools import product

import pytest

from booking.domain import (
    FINAL_STATUSES,
    LIVE_STATUSES,
    BookingRuleError,
    BookingStatus,
    DomainError,
    InvalidTransition,
    SlotTakenError,
    can_transition,
    check_transition,
)

S = BookingStatus
ALLOWED = {
    (S.PENDING_PAYMENT, S.CONFIRMED),
    (S.PENDING_PAYMENT, S.EXPIRED),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.CONFIRMED, S.COMPLETED),
    (S.CONFIRMED, S.CANCELLED),
    (S.CONFIRMED, S.NO_SHOW),  # an admin, after its start
    (S.EXPIRED, S.CONFIRMED),  # a late payment while the slot is still free
    (S.CHANGE_HOLD, S.EXPIRED),  # time held for a change: released, or lapsed unpaid
}


@pytest.mark.parametrize(("current", "target"), list(product(S, S)))
def test_transition_table(current: BookingStatus, target: BookingStatus) -> None:
    allowed = (current, target) in ALLOWED
    assert can_transition(current, target) is allowed
    if allowed:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition) as caught:
            check_transition(current, target)
        assert caught.value.code == "invalid_state"
        assert current.value in caught.value.message
        assert target.value in caught.value.message


def test_message_is_a_sentence() -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(S.COMPLETED, S.CANCELLED)
    assert caught.value.message == "A booking cannot go from completed to cancelled."


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_statuses_go_nowhere(status: BookingStatus) -> None:
    assert not any(can_transition(status, target) for target in S)


def test_plain_strings_are_accepted() -> None:
    """Values read back from the database may be plain strings."""
    assert can_transition("pending_payment", "confirmed")  # type: ignore[arg-type]
    assert not can_transition("cancelled", "confirmed")  # type: ignore[arg-type]


def test_unknown_status_is_rejected() -> None:
    with pytest.raises(ValueError):
        can_transition("paid", S.CONFIRMED)  # type: ignore[arg-type]


def test_live_statuses_occupy_the_slot() -> None:
    assert {S.PENDING_PAYMENT, S.CONFIRMED, S.COMPLETED, S.CHANGE_HOLD} == LIVE_STATUSES
    assert S.EXPIRED not in LIVE_STATUSES
    assert S.CANCELLED not in LIVE_STATUSES
    assert S.NO_SHOW not in LIVE_STATUSES  # what is left of its time is free again


def test_values_are_the_stored_strings() -> None:
    assert [status.value for status in S] == [
        "pending_payment",
        "confirmed",
        "completed",
        "expired",
        "cancelled",
        "no_show",
        "change_hold",
    ]
    assert S.CONFIRMED == "confirmed"
    assert f"{S.EXPIRED}" == "expired"


class TestErrors:
    def test_fields_and_text(self) -> None:
        error = BookingRuleError("too_short", "Too short.")
        assert (error.code, error.message, str(error)) == ("too_short", "Too short.", "Too short.")
        assert isinstance(error, DomainError)

    def test_defaults_of_conflicts(self) -> None:
        assert SlotTakenError().code == "slot_taken"
        assert InvalidTransition().code == "invalid_state"
        assert SlotTakenError("slot_taken", "Gone.").message == "Gone."

    @pytest.mark.parametrize(
        "error",
        [
            DomainError("x", "X."),
            BookingRuleError("closed", "Closed."),
            SlotTakenError("slot_taken", "Taken."),
            InvalidTransition("invalid_state", "Nope.", status="cancelled"),
            BookingRuleError("bad_amount", "At most 250000 kopecks.", most=250000),
        ],
    )
    def test_pickle_keeps_code_message_and_details(self, error: DomainError) -> None:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.code, copy.message, copy.details) == (
            error.code,
            error.message,
            error.details,
        )

    def test_a_refused_transition_names_both_statuses(self) -> None:
        with pytest.raises(InvalidTransition) as refused:
            check_transition(BookingStatus.CANCELLED, BookingStatus.CANCELLED)
        assert refused.value.details == {"status": "cancelled", "target": "cancelled"}

    def test_repr_names_the_code(self) -> None:
        assert repr(SlotTakenError()) == (
            "SlotTakenError(code='slot_taken', message='This time is already booked.')"
        )
