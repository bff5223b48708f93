"""Policy defaults, completeness checks, follow-ups and deadline schedules."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.calendar import build_calendar, build_compressed_calendar
from domain.deadlines import deadline_schedule
from domain.enums import CalendarKind, FollowUp, Predikat, TrainingType
from domain.policy import DEFAULT_POLICY, Policy, follow_ups_for


def test_defaults():
    p = DEFAULT_POLICY
    assert p.calendar_kind is CalendarKind.QUARTERLY
    assert (p.realisation_due_days, p.rating_due_days, p.training_due_days) == (10, 14, 60)
    assert (p.objection_window_days, p.objection_decision_days, p.incentive_approval_days) == (
        14,
        14,
        14,
    )
    assert p.reminder_days_before == (3, 1)
    assert p.escalation_grace_days == 7
    assert p.training_trigger is Predikat.BUTUH_PERBAIKAN
    assert set(p.jp_per_type) == set(TrainingType)


@pytest.mark.parametrize(
    ("predikat", "actions"),
    [
        (Predikat.SANGAT_BAIK, [FollowUp.AWARD_NOMINATION]),
        (Predikat.BAIK, []),
        (Predikat.BUTUH_PERBAIKAN, [FollowUp.DEVELOPMENT_PLAN]),
        (Predikat.KURANG, [FollowUp.DEVELOPMENT_PLAN]),
        (Predikat.SANGAT_KURANG, [FollowUp.DEVELOPMENT_PLAN, FollowUp.SANCTION_REVIEW]),
    ],
)
def test_follow_ups(predikat, actions):
    assert follow_ups_for(predikat) == actions


def test_policy_is_frozen_and_tables_complete():
    with pytest.raises(ValidationError):
        DEFAULT_POLICY.rating_due_days = 3  # type: ignore[misc]
    with pytest.raises(ValidationError, match="jp_per_type"):
        Policy(jp_per_type={TrainingType.COACHING: 2})
    with pytest.raises(ValidationError, match="follow_ups"):
        Policy(follow_ups={Predikat.BAIK: ()})
    with pytest.raises(ValidationError):
        Policy(rating_due_days=0)
    with pytest.raises(ValidationError):
        Policy(unknown=True)


def test_policy_round_trips_json():
    custom = Policy(version="2026", calendar_kind=CalendarKind.MONTHLY, reminder_days_before=(5,))
    assert Policy.model_validate_json(custom.model_dump_json()) == custom


OPENED = datetime(2025, 4, 1, 1, tzinfo=UTC)


def test_real_schedule():
    s = deadline_schedule(OPENED, 14, build_calendar(2025))
    assert s.due == OPENED + timedelta(days=14)
    assert s.reminders == (OPENED + timedelta(days=11), OPENED + timedelta(days=13))
    assert s.escalate_at == s.due
    assert s.fallback_at == s.due + timedelta(days=7)


def test_reminders_before_opening_are_dropped_and_explicit_due_wins():
    due = OPENED + timedelta(days=2)
    s = deadline_schedule(OPENED, 14, build_calendar(2025), due=due)
    assert s.due == due
    assert s.reminders == (OPENED + timedelta(days=1),)
    with pytest.raises(ValueError, match="precede"):
        deadline_schedule(OPENED, 1, build_calendar(2025), due=OPENED - timedelta(seconds=1))
    with pytest.raises(ValueError, match="aware"):
        deadline_schedule(datetime(2025, 4, 1), 1, build_calendar(2025))


def test_compressed_schedule_shrinks_every_step():
    cal = build_compressed_calendar(2025, start=OPENED, minutes=365)  # one minute per day
    s = deadline_schedule(OPENED, 14, cal)
    assert s.due - OPENED == pytest.approx(timedelta(minutes=14), abs=timedelta(milliseconds=1))
    assert s.fallback_at - s.due == pytest.approx(
        timedelta(minutes=7), abs=timedelta(milliseconds=1)
    )
    assert len(s.reminders) == 2
