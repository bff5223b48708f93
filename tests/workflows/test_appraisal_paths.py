"""Every path of the year: approval loop, escalation, transfer, leave, training, objection, end."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.enums import (
    EmploymentStatus,
    JenisJabatan,
    Predikat,
    Rating,
    Role,
    SkpStatus,
    Stage,
    TaskKind,
    TaskStatus,
)
from domain.payloads import (
    Actor,
    ChangeAck,
    CycleStatus,
    DeadlineExtension,
    ObjectionFiling,
    Placement,
    StatusChange,
    TaskRef,
    Transfer,
    unwritten_steps,
)
from tests.workflows.conftest import StepLog
from tests.workflows.driver import complete, defaults, drive
from tests.workflows.people import (
    ATASAN,
    EMPLOYEE,
    NEW_PENILAI,
    PENILAI,
    cycle_input,
    rating,
    skp,
)
from tests.workflows.test_appraisal_year import start

BKPP = Actor(nip=None, roles=[Role.BKPP], username="bkpp")


async def status(handle) -> CycleStatus:
    return await handle.query("status", result_type=CycleStatus)


async def file_objection(handle) -> ChangeAck:
    """The employee objects to the annual result."""
    return await handle.execute_update(
        "file_objection",
        ObjectionFiling(
            reasons="Realisasi triwulan IV belum dipertimbangkan.",
            actor=Actor(nip=EMPLOYEE, roles=[Role.PEGAWAI], username=EMPLOYEE),
        ),
        result_type=ChangeAck,
    )


async def refused(handle, task: TaskRef, payload: dict[str, Any], actor: Actor) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await complete(handle, task, payload, actor)
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_approval_loop_returns_then_approves(env: WorkflowEnvironment, steps: StepLog):
    reviews: list[int] = []

    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.SKP_APPROVAL:
            reviews.append(1)
            if len(reviews) == 1:
                return {"approve": False, "note": "IKI belum terukur, mohon diperbaiki."}
        return defaults(task)

    handle = await start(env)
    await drive(env, handle, decide, nip=EMPLOYEE)
    result = await handle.result()
    assert result.stage is Stage.SELESAI
    assert len(reviews) == 2
    actions = steps.actions(handle.id)
    assert actions.index("skp_returned") < actions.index("skp_approved")
    returned = next(
        s for s in steps.steps if s.workflow_id == handle.id and s.action == "skp_returned"
    )
    assert returned.open_tasks[0].context["returned_note"].startswith("IKI belum")


async def test_overdue_approval_escalates_to_atasan_then_bkpp(
    env: WorkflowEnvironment, steps: StepLog
):
    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.SKP_APPROVAL and task.assignee_role is not Role.BKPP:
            return None  # neither the penilai nor the atasan acts
        return defaults(task)

    handle = await start(env)
    await drive(env, handle, decide, nip=EMPLOYEE)
    assert (await handle.result()).stage is Stage.SELESAI
    esc = [s for s in steps.steps if s.workflow_id == handle.id and s.action == "task_escalated"]
    assert [e.reassign[0].escalation_level for e in esc] == [1, 2]
    assert esc[0].reassign[0].assignee_nip == ATASAN
    assert esc[1].reassign[0].assignee_role is Role.BKPP
    mine = [s for s in steps.steps if s.workflow_id == handle.id]
    assert "reminder_sent" not in steps.actions(handle.id)  # no step of their own any more
    # The penilai's reminders went to the outbox with the step that opened the review, held
    # until 3 and 1 days before its due date, and conditional on the task as it then was.
    opened = next(s for s in mine if any(t.kind is TaskKind.SKP_APPROVAL for t in s.open_tasks))
    review = opened.open_tasks[0]
    reminders = [n for n in opened.notifications if n.task_id is not None]
    assert [(n.recipient_nip, n.task_id, n.task_due_at) for n in reminders] == [
        (PENILAI, review.id, review.due_at)
    ] * 2
    gaps = [review.due_at - n.deliver_after for n in reminders if n.deliver_after]
    assert len(gaps) == 2
    assert gaps[0] == 3 * gaps[1] > timedelta(0)


async def test_an_overdue_task_is_the_atasans_by_its_dates_alone(
    env: WorkflowEnvironment, steps: StepLog
):
    """No timer waits for the due date and no step marks it: from that instant the workflow
    takes the atasan's decision (as the sweeper's row then says), and refuses it before."""
    handle = await start(env)
    await complete(handle, (await status(handle)).open_tasks[0], skp())
    review = (await status(handle)).open_tasks[0]
    assert (review.escalation_nip, review.assignee_nip) == (ATASAN, PENILAI)
    atasan = Actor(nip=ATASAN, roles=[Role.PENILAI], username=ATASAN)
    assert (await refused(handle, review, {"approve": True}, atasan)).type == "Forbidden"
    await env.sleep(review.due_at - await env.get_current_time() + timedelta(seconds=1))
    done = await complete(handle, review, {"approve": True}, atasan)
    assert [r.step for r in done.steps] == ["skp1/approved"]
    assert "task_escalated" not in steps.actions(handle.id)  # nobody swept: the dates decided
    events = (await handle.fetch_history()).events
    assert not [e for e in events if e.HasField("timer_started_event_attributes")]


async def test_a_task_does_not_escalate_while_the_cycle_is_paused(
    env: WorkflowEnvironment, steps: StepLog
):
    """On leave the task stays with its holder however long the leave; back at work, its due
    date has moved by the leave and it escalates from there."""
    handle = await start(env)
    await complete(handle, (await status(handle)).open_tasks[0], skp())
    review = (await status(handle)).open_tasks[0]
    cuti = StatusChange(status=EmploymentStatus.CUTI, reason="Cuti besar", actor=BKPP)
    await handle.execute_update("change_status", cuti, result_type=ChangeAck)
    left = await env.get_current_time()
    await env.sleep(review.due_at - left + timedelta(days=30))
    atasan = Actor(nip=ATASAN, roles=[Role.PENILAI], username=ATASAN)
    assert (await refused(handle, review, {"approve": True}, atasan)).type == "Forbidden"
    assert steps.sweep(await env.get_current_time()) == 0
    back = StatusChange(status=EmploymentStatus.AKTIF, reason="Kembali", actor=BKPP)
    await handle.execute_update("change_status", back, result_type=ChangeAck)
    moved = (await status(handle)).open_tasks[0]
    assert (moved.escalation_level, moved.assignee_nip) == (0, PENILAI)
    assert moved.due_at - review.due_at >= timedelta(days=30) + (review.due_at - left)
    resumed = next(s for s in reversed(steps.steps) if s.action == "status_changed")
    assert [(r.id, r.escalation_level, r.due_at) for r in resumed.reassign] == [
        (review.id, 0, moved.due_at)
    ]
    assert (await refused(handle, moved, {"approve": True}, atasan)).type == "Forbidden"


@pytest.mark.parametrize("swept_first", [False, True])
async def test_a_step_that_moves_an_overdue_task_writes_the_escalations_it_passed(
    env: WorkflowEnvironment, steps: StepLog, swept_first: bool
):
    """An extension of a task overdue past both rungs: its step writes, first, the two
    escalations the sweeper writes (same keys: the atasan's and the penilai's notices, the
    audit events), unless the sweeper has already, and then moves the due date from BKPP's rung.
    Before, the step wrote the escalated holder with no escalation event or notice."""
    handle = await start(env)
    await complete(handle, (await status(handle)).open_tasks[0], skp())
    review = (await status(handle)).open_tasks[0]
    assert review.escalation_grace_s is not None
    grace = timedelta(seconds=review.escalation_grace_s)
    await env.sleep(review.due_at + grace - await env.get_current_time() + timedelta(seconds=1))
    if swept_first:
        assert steps.sweep(await env.get_current_time()) == 2
    await handle.execute_update(
        "extend_deadline",
        DeadlineExtension(days=5, reason="Penilai dinas luar", actor=BKPP),
        result_type=ChangeAck,
    )
    mine = [s for s in steps.steps if s.workflow_id == handle.id]
    esc = [s for s in mine if s.action == "task_escalated"]
    assert [(e.reassign[0].escalation_level, e.reassign[0].assignee_nip) for e in esc] == [
        (1, ATASAN),
        (2, None),
    ]
    assert [(n.recipient_nip, n.subject) for n in esc[0].notifications] == [
        (ATASAN, "Eskalasi: Menyetujui SKP bawahan"),
        (PENILAI, "Terlambat: Menyetujui SKP bawahan"),
    ]
    extended = next(s for s in mine if s.action == "deadline_extended")
    assert mine.index(esc[1]) < mine.index(extended)
    [moved] = extended.reassign
    assert (moved.escalation_level, moved.assignee_role) == (2, Role.BKPP)
    assert moved.due_at == review.due_at + 2 * grace + timedelta(days=5)
    assert steps.sweep(await env.get_current_time()) == 0  # nothing left to sweep, or twice
    now = (await status(handle)).open_tasks[0]
    assert (now.escalation_level, now.due_at) == (2, moved.due_at)
    await handle.terminate("test done")


async def test_overdue_bkpp_task_stays_with_bkpp(env: WorkflowEnvironment, steps: StepLog):
    """BKPP's own task (the incentive decision) is never handed down to the employee's atasan."""

    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.INCENTIVE_APPROVAL and task.escalation_level == 0:
            return None  # BKPP lets it run past its due date
        return defaults(task)

    handle = await start(env)
    await drive(env, handle, decide, nip=EMPLOYEE)
    result = await handle.result()
    assert result.stage is Stage.SELESAI
    assert result.incentive is not None
    assert result.incentive.approved_by == "bkpp"
    esc = [s for s in steps.steps if s.workflow_id == handle.id and s.action == "task_escalated"]
    assert len(esc) == 1
    moved = esc[0].reassign[0]
    assert (moved.escalation_level, moved.assignee_nip, moved.assignee_role) == (2, None, Role.BKPP)


async def test_completion_accepted_while_the_opening_step_is_written(
    env: WorkflowEnvironment, steps: StepLog
):
    """A step activity's rows are visible before its result returns, so a completion arriving
    in between is accepted, not refused as unknown, and answers once the step is written."""
    reached, release = steps.hold("skp1/open")
    handle = await start(env)
    await asyncio.wait_for(reached.wait(), 30)
    draft = (await status(handle)).open_tasks[0]
    submitted = asyncio.create_task(complete(handle, draft, skp()))
    await asyncio.sleep(0.5)
    assert not submitted.done()
    release.set()
    done = await submitted
    assert done.task_id == draft.id
    # The step this completion decided comes back to be written by the caller (the API).
    assert [r.step for r in done.steps] == ["skp1/submitted1"]
    assert [c.id for c in done.steps[0].close_tasks] == [draft.id]
    review = (await status(handle)).open_tasks
    assert [t.kind for t in review] == [TaskKind.SKP_APPROVAL]
    assert done.next_task_ids == [review[0].id]
    approved = await complete(handle, review[0], {"approve": True})
    assert [r.step for r in approved.steps] == ["skp1/approved"]
    assert (await status(handle)).skp_status is SkpStatus.DISETUJUI
    assert steps.actions(handle.id) == ["cycle_started", "skp_submitted", "skp_approved"]


async def test_a_returned_step_its_caller_lost_is_written_by_the_next_step(
    env: WorkflowEnvironment, steps: StepLog
):
    """The API may die between the update and its write: the workflow returns the step again
    with the next completion and hands it to its next step activity, which writes it first."""
    handle = await start(env)
    draft = (await status(handle)).open_tasks[0]
    lost = await complete(handle, draft, skp(), write=False)
    assert [r.step for r in lost.steps] == ["skp1/submitted1"]
    assert "skp_submitted" not in steps.actions(handle.id)
    # The user's repeat is refused, and the refusal carries the step for the API to write.
    again = await refused(
        handle, draft, skp(), Actor(nip=EMPLOYEE, roles=[Role.PEGAWAI], username=EMPLOYEE)
    )
    assert again.type == "Conflict"
    assert unwritten_steps(again.details) == lost.steps
    review = (await status(handle)).open_tasks[0]
    # The run's next step activity (here BKPP extending the review's deadline) carries it.
    extend = DeadlineExtension(days=3, reason="Penilai dinas luar", actor=BKPP)
    await handle.execute_update("extend_deadline", extend, result_type=ChangeAck)
    assert steps.actions(handle.id)[:3] == ["cycle_started", "skp_submitted", "deadline_extended"]
    mine = {s.step: s for s in steps.steps if s.workflow_id == handle.id}
    assert mine["skp1/submitted1"] == lost.steps[0]
    approved = await complete(handle, review, {"approve": True})
    assert [r.step for r in approved.steps] == ["skp1/approved"]


async def test_actions_refused_before_history(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    draft = (await status(handle)).open_tasks[0]
    assert draft.kind is TaskKind.SKP_DRAFT
    penilai = Actor(nip=PENILAI, roles=[Role.PENILAI], username=PENILAI)
    assert (await refused(handle, draft, skp(), penilai)).type == "Forbidden"
    bad = await refused(
        handle,
        draft,
        {"skp": {"nip": EMPLOYEE}},
        Actor(nip=EMPLOYEE, roles=[Role.PEGAWAI], username=EMPLOYEE),
    )
    assert bad.type == "InvalidPayload"
    assert any(d["field"].startswith("skp.") for d in bad.details[0])
    wrong_year = await refused(
        handle, draft, skp(year=2026), Actor(nip=EMPLOYEE, roles=[Role.PEGAWAI], username=EMPLOYEE)
    )
    assert wrong_year.type == "InvalidPayload"
    await complete(handle, draft, skp())
    again = await refused(handle, draft, skp(), Actor(nip=EMPLOYEE, roles=[], username=EMPLOYEE))
    assert again.type == "Conflict"
    review = (await status(handle)).open_tasks[0]
    assert review.assignee_nip == PENILAI
    await handle.terminate("test done")


async def test_di_atas_refused_when_an_utama_row_is_below(env: WorkflowEnvironment, steps: StepLog):
    seen: list[str] = []

    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.PERIOD_RATING and not seen:
            seen.append(task.id)
            return None
        return defaults(task)

    handle = await start(env)

    async def on_round(_: int) -> None:
        if seen and len(seen) == 1:
            task = next(t for t in (await status(handle)).open_tasks if t.id == seen[0])
            bad = {**rating(Rating.DI_ATAS), "utama_ratings": [Rating.DI_BAWAH.value]}
            err = await refused(handle, task, bad, Actor(nip=PENILAI, roles=[], username=PENILAI))
            assert err.type == "InvalidPayload"
            assert err.details[0][0]["field"] == "hasil_kerja"
            seen.append("checked")

    await drive(env, handle, decide, nip=EMPLOYEE, on_round=on_round)
    assert seen[-1] == "checked"


async def test_transfer_mid_year_keeps_earlier_penilai(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    moved: list[ChangeAck] = []

    async def on_round(_: int) -> None:
        st = await status(handle)
        if len(st.period_results) == 1 and not moved:
            new = Placement(
                unit_code="DISKOMINFO",
                position="Pranata Komputer",
                jenis_jabatan=JenisJabatan.PELAKSANA,
                penilai_nip=NEW_PENILAI,
                atasan_penilai_nip=ATASAN,
            )
            moved.append(
                await handle.execute_update(
                    "transfer",
                    Transfer(placement=new, reason="Mutasi SK Wali Kota", actor=BKPP),
                    result_type=ChangeAck,
                )
            )

    done = await drive(env, handle, nip=EMPLOYEE, on_round=on_round)
    result = await handle.result()
    assert moved
    assert result.period_results[0].placement.penilai_nip == PENILAI
    assert result.period_results[1].placement.penilai_nip == NEW_PENILAI
    assert result.period_results[1].placement.unit_code == "DISKOMINFO"
    second_skp = [t for t in done if t.id.endswith("skp2/draft")]
    assert second_skp, "a new SKP is drafted for the new post"
    approvals = [t for t in done if t.kind is TaskKind.SKP_APPROVAL and "skp2" in t.id]
    assert approvals[0].assignee_nip == NEW_PENILAI
    # Period 2's report had been written ahead for the old SKP: the new SKP's request cancels
    # it, and the new SKP's approval writes it again.
    skp2_open = next(s for s in steps.steps if s.workflow_id == handle.id and s.step == "skp2/open")
    assert [(c.id, c.status) for c in skp2_open.close_tasks] == [
        (f"{handle.id}/p2/realisation", TaskStatus.CANCELLED)
    ]
    assert any(t.id == f"{handle.id}/p2/realisation~2" for t in done)
    assert not any(t.id == f"{handle.id}/p2/realisation" for t in done)


async def approve_skp(handle) -> None:
    draft = (await status(handle)).open_tasks[0]
    await complete(handle, draft, skp())
    review = (await status(handle)).open_tasks[0]
    await complete(handle, review, {"approve": True})


async def test_period_report_is_written_ahead_and_opens_at_the_period_end(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    await approve_skp(handle)
    approved = next(
        s for s in steps.steps if s.workflow_id == handle.id and s.step == "skp1/approved"
    )
    [written] = approved.open_tasks
    q1_end = cycle_input().calendar.periods[0].end
    assert (written.kind, written.period_index, written.visible_from) == (
        TaskKind.REALISATION,
        1,
        q1_end,
    )
    plain = [n for n in approved.notifications if n.task_id is None]
    assert [n.deliver_after for n in plain] == [None, q1_end]
    # Its two reminders are written with it too, held until after the period has ended.
    ahead = [n for n in approved.notifications if n.task_id == written.id]
    assert len(ahead) == 2
    assert all(n.deliver_after and q1_end < n.deliver_after < written.due_at for n in ahead)
    [ref] = (await status(handle)).open_tasks
    assert ref.visible_from == q1_end
    employee = Actor(nip=EMPLOYEE, roles=[Role.PEGAWAI], username=EMPLOYEE)
    early = await refused(handle, ref, defaults(ref) or {}, employee)
    assert early.type == "Conflict"
    assert "mulai" in str(early)
    before = steps.actions(handle.id)
    await env.sleep(q1_end - await env.get_current_time() + timedelta(hours=1))
    assert steps.actions(handle.id) == before  # nothing is written at the period's end
    await complete(handle, ref, defaults(ref) or {}, employee)
    assert [t.kind for t in (await status(handle)).open_tasks] == [TaskKind.PERIOD_RATING]
    assert "realisation_requested" not in steps.actions(handle.id)


async def test_leave_before_the_period_end_keeps_the_written_ahead_due_date(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    await approve_skp(handle)
    [ref] = (await status(handle)).open_tasks
    cuti = StatusChange(status=EmploymentStatus.CUTI, reason="Cuti tahunan", actor=BKPP)
    await handle.execute_update("change_status", cuti, result_type=ChangeAck)
    await env.sleep(timedelta(days=10))
    back = StatusChange(status=EmploymentStatus.AKTIF, reason="Kembali bertugas", actor=BKPP)
    await handle.execute_update("change_status", back, result_type=ChangeAck)
    [after] = (await status(handle)).open_tasks
    assert after.id == ref.id
    assert after.due_at == ref.due_at  # the leave ended before the report could be made


async def test_leave_pauses_deadlines_and_return_shifts_them(
    env: WorkflowEnvironment, steps: StepLog
):
    handle = await start(env)
    draft = (await status(handle)).open_tasks[0]
    cuti = StatusChange(status=EmploymentStatus.CUTI, reason="Cuti besar", actor=BKPP)
    await handle.execute_update("change_status", cuti, result_type=ChangeAck)
    assert (await status(handle)).stage is Stage.DITANGGUHKAN
    await env.sleep(timedelta(days=100))  # far past the 31 January deadline
    assert "task_escalated" not in steps.actions(handle.id)
    back = StatusChange(status=EmploymentStatus.AKTIF, reason="Kembali bertugas", actor=BKPP)
    await handle.execute_update("change_status", back, result_type=ChangeAck)
    st = await status(handle)
    assert st.stage is Stage.PERENCANAAN
    shifted = st.open_tasks[0].due_at - draft.due_at
    assert timedelta(days=99) < shifted < timedelta(days=101)
    # The return writes the draft's reminders for its new due date (those written with the
    # draft fell in the pause, and the outbox drops them: its cycle was paused, and the due
    # date has moved since).
    [resumed] = [s for s in steps.steps if s.workflow_id == handle.id and s.step == "status~2"]
    ahead = [n for n in resumed.notifications if n.task_id == draft.id]
    assert [n.task_due_at for n in ahead] == [st.open_tasks[0].due_at] * 2
    assert all(n.recipient_nip == EMPLOYEE for n in ahead)
    await drive(env, handle, nip=EMPLOYEE)
    assert (await handle.result()).stage is Stage.SELESAI


async def test_poor_rating_assigns_training_and_credits_jp(
    env: WorkflowEnvironment, steps: StepLog
):
    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.PERIOD_RATING and task.period_index == 1:
            return rating(Rating.DI_BAWAH, Rating.SESUAI)
        return defaults(task)

    handle = await start(env)
    done = await drive(env, handle, decide, nip=EMPLOYEE)
    result = await handle.result()
    assert result.period_results[0].predikat is Predikat.BUTUH_PERBAIKAN
    training = [
        s
        for s in steps.steps
        if s.action == "training_assigned" and s.training and s.training.nip == EMPLOYEE
    ]
    assert training[0].training.training_type.value == "Bimbingan Teknis"
    assert TaskKind.TRAINING_VERIFICATION in [t.kind for t in done]
    assert result.jp_earned >= 20


@pytest.mark.parametrize("change", [True, False])
async def test_objection_decided_by_atasan(env: WorkflowEnvironment, steps: StepLog, change: bool):
    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.ANNUAL_RATING:
            return rating(Rating.DI_BAWAH, Rating.SESUAI)
        if task.kind is TaskKind.OBJECTION_DECISION:
            assert task.assignee_nip == ATASAN
            if change:
                return {
                    "change": True,
                    "hasil_kerja": Rating.SESUAI.value,
                    "perilaku": Rating.SESUAI.value,
                    "note": "Bukti dukung Q4 lengkap.",
                }
            return {"change": False, "note": "Penilaian sudah sesuai bukti."}
        return defaults(task)

    handle = await start(env)
    filed: list[ChangeAck] = []

    async def on_round(_: int) -> None:
        if not filed and (await status(handle)).stage is Stage.KEBERATAN:
            filed.append(await file_objection(handle))

    await drive(env, handle, decide, nip=EMPLOYEE, on_round=on_round)
    result = await handle.result()
    assert filed
    assert result.objection is not None
    assert result.objection.changed is change
    expected = Predikat.BAIK if change else Predikat.BUTUH_PERBAIKAN
    assert result.annual.predikat is expected
    assert result.incentive.tpp_share_percent == (100 if change else 70)
    # The objection cancelled the approval written ahead with the rating; the proposal of the
    # final predikat was opened after the decision, for BKPP to decide at once.
    mine = {s.step: s for s in steps.steps if s.workflow_id == handle.id}
    ahead = f"{handle.id}/incentive/approval"
    assert [t.id for t in mine["annual/rated"].open_tasks] == [ahead]
    assert [(c.id, c.status) for c in mine["objection/open"].close_tasks] == [
        (ahead, TaskStatus.CANCELLED)
    ]
    [again] = mine["incentive/open"].open_tasks
    assert again.id == f"{handle.id}/incentive/approval~2"
    assert again.visible_from is None
    assert again.context["decision"]["tpp_share_percent"] == (100 if change else 70)
    assert [c.id for c in mine["incentive/decided"].close_tasks] == [again.id]


async def test_overdue_objection_goes_from_the_atasan_to_bkpp(
    env: WorkflowEnvironment, steps: StepLog
):
    """The atasan decides objections; overdue, it goes to BKPP, not to the atasan again."""

    def decide(task: TaskRef) -> dict[str, Any] | None:
        if task.kind is TaskKind.ANNUAL_RATING:
            return rating(Rating.DI_BAWAH, Rating.SESUAI)
        if task.kind is TaskKind.OBJECTION_DECISION and task.assignee_role is not Role.BKPP:
            return None  # the atasan lets it run past its due date
        if task.kind is TaskKind.OBJECTION_DECISION:
            return {"change": False, "note": "Diputus BKPP."}
        return defaults(task)

    handle = await start(env)

    async def on_round(_: int) -> None:
        if (await status(handle)).stage is Stage.KEBERATAN and not steps.actions(handle.id).count(
            "objection_filed"
        ):
            await file_objection(handle)

    await drive(env, handle, decide, nip=EMPLOYEE, on_round=on_round)
    result = await handle.result()
    assert result.objection is not None
    assert result.objection.decided_by == "bkpp"
    esc = [
        s.reassign[0]
        for s in steps.steps
        if s.workflow_id == handle.id
        and s.action == "task_escalated"
        and s.reassign[0].id.endswith("objection/decision")
    ]
    assert [(e.escalation_level, e.assignee_nip, e.assignee_role) for e in esc] == [
        (2, None, Role.BKPP)
    ]


async def test_retirement_ends_cycle_and_cancels_tasks(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    await complete(handle, (await status(handle)).open_tasks[0], skp())
    pensiun = StatusChange(status=EmploymentStatus.PENSIUN, reason="BUP 58 tahun", actor=BKPP)
    await handle.execute_update("change_status", pensiun, result_type=ChangeAck)
    result = await handle.result()
    assert result.stage is Stage.DIHENTIKAN
    assert result.outcome.startswith("dihentikan: Pensiun")
    ended = next(s for s in steps.steps if s.workflow_id == handle.id and s.action == "cycle_ended")
    assert [c.status.value for c in ended.close_tasks] == ["cancelled"]
    assert ended.cycle.closed


async def test_exempt_employee_is_not_asked_to_plan(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env, cycle_input(status=EmploymentStatus.CLTN))
    result = await handle.result()
    assert result.outcome == "dikecualikan: status CLTN"
    assert not [s for s in steps.steps if s.workflow_id == handle.id and s.open_tasks]


async def test_only_bkpp_changes_placement(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    penilai = Actor(nip=PENILAI, roles=[Role.PENILAI], username=PENILAI)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            "change_status",
            StatusChange(status=EmploymentStatus.CUTI, reason="x", actor=penilai),
            result_type=ChangeAck,
        )
    assert err.value.cause.type == "Forbidden"
    await handle.terminate("test done")


async def test_bkpp_extends_open_deadlines(env: WorkflowEnvironment, steps: StepLog):
    handle = await start(env)
    draft = (await status(handle)).open_tasks[0]
    ack = await handle.execute_update(
        "extend_deadline",
        DeadlineExtension(days=30, reason="Gangguan sistem SIASN", actor=BKPP),
        result_type=ChangeAck,
    )
    assert "1 tenggat" in ack.message
    moved = (await status(handle)).open_tasks[0]
    assert moved.due_at - draft.due_at == timedelta(days=30)
    extended = [
        s for s in steps.steps if s.workflow_id == handle.id and s.action == "deadline_extended"
    ]
    assert extended[0].reassign[0].due_at == moved.due_at
    # The step writes the reminders for the new due date; the ones written with the draft name
    # the old one, so the outbox drops them.
    reminders = [n for n in extended[0].notifications if n.task_id == draft.id]
    assert {n.task_due_at for n in reminders} == {moved.due_at}
    assert len(reminders) == 2
    opened = next(s for s in steps.steps if s.workflow_id == handle.id and s.open_tasks)
    assert {n.task_due_at for n in opened.notifications if n.task_id} == {draft.due_at}
    await handle.terminate("test done")
