"""AppraisalCycleWorkflow: one employee's performance year (PermenPANRB 6/2022)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.calendar import Period
    from domain.enums import (
        EmploymentStatus,
        OrgPredikat,
        Predikat,
        Rating,
        Role,
        SkpStatus,
        Stage,
        TaskKind,
    )
    from domain.opening import (
        CYCLE_STARTED,
        SKP_DRAFT_TITLE,
        skp_draft_due,
        start_details,
        task_notice,
        task_spec,
    )
    from domain.payloads import (
        Actor,
        AnnualResult,
        ChangeAck,
        CycleInput,
        CycleSnapshot,
        CycleStatus,
        DeadlineExtension,
        IncentiveApproval,
        IncentiveDecision,
        NotificationSpec,
        ObjectionDecision,
        ObjectionFiling,
        ObjectionRecord,
        PeriodResult,
        Placement,
        RatingSubmission,
        RealisationSubmission,
        SkpReview,
        SkpSubmission,
        StatusChange,
        TaskCompleted,
        TaskCompletion,
        TaskRef,
        TrainingOutcome,
        Transfer,
    )
    from domain.policy import follow_ups_for
    from domain.predikat import hasil_kerja_allowed, predikat_from_ratings
    from domain.skp import Skp
    from domain.tpp import tpp_share_for_predikat
    from workflows.desk import (
        ANNUAL_AHEAD,
        INCENTIVE_AHEAD,
        CycleEnded,
        Desk,
        OpenTask,
        refuse,
        since,
    )
    from workflows.training_plan import plan_training

HR_ROLES = (Role.BKPP, Role.ADMIN)
# Before this patch a BKPP-owned task (incentive approval, an objection with no atasan) escalated
# at its due date to the employee's atasan penilai, and BKPP could no longer act on it (403); and
# the atasan's own task (the objection decision) "escalated" to the atasan again before BKPP.
ESCALATION_LADDER_2 = "escalation-ladder-2"
# From this patch on a period's realisation task is written ahead, with the step that approves
# the SKP or rates the previous period, and becomes visible at the period's end (its notice is
# held in the outbox until then). Before it, a timer at each period's end woke the cycle to write
# an opening step: 10 history events and one activity per period, and a write burst for the whole
# city at the same second.
PREOPEN_PERIODS = "preopen-period-tasks"
ORG_TO_RATING = {"Istimewa": Rating.DI_ATAS, "Baik": Rating.SESUAI}


@workflow.defn(name="AppraisalCycleWorkflow")
class AppraisalCycleWorkflow:
    """Planning, periodic reviews, training, annual rating, objection and incentive of a year."""

    @workflow.init
    def __init__(self, inp: CycleInput) -> None:
        self.inp = inp
        self.wf_id = workflow.info().workflow_id
        self.placement: Placement = inp.placement
        self.status: EmploymentStatus = inp.status
        self.stage = Stage.PERENCANAAN
        self.resume_stage = Stage.PERENCANAAN
        self.skp: Skp | None = None
        self.skp_status: SkpStatus | None = None
        self.skp_version = 0
        self.needs_new_skp = False
        self.realisation: dict[int, Any] = {}
        self.periods: list[PeriodResult] = []
        self.annual: AnnualResult | None = None
        self.objection: ObjectionRecord | None = None
        self.incentive: IncentiveDecision | None = None
        self.jp_earned = 0
        self.training_count = 0
        self.training_open = False
        self.outcome: str | None = None
        self.org_rating: Rating | None = None
        # The step that opens a unit head's annual rating reads the unit's org predikat; its rows
        # (the task) are visible before its answer reaches the run, and until then a rating of
        # the task is refused rather than checked without the rule.
        self.org_pending = False
        self.objection_deadline: datetime | None = None
        self.pending_rep: OpenTask | None = None  # the next period's task, opened ahead
        self.pending_annual: OpenTask | None = None  # opened ahead (ANNUAL_AHEAD)
        self.pending_incentive: OpenTask | None = None  # written ahead (INCENTIVE_AHEAD)
        self.preopening = False  # PREOPEN_PERIODS applies to this run
        self.desk = Desk(self.wf_id, inp.policy, inp.calendar, self._snapshot)

    # ---- the year ------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: CycleInput) -> CycleStatus:
        cal = inp.calendar
        try:
            if self.status.pauses_cycle:
                await self._wait_active_or(cal.year_end)
            if self.desk.paused_since is not None:  # exempt the whole year
                self.outcome = f"dikecualikan: status {self.status.value}"
                self.stage = Stage.SELESAI
                await self.desk.record(
                    "close", "cycle_closed", durable=self.desk.timer_steps_durable()
                )
            else:
                await self._plan()
                for period in cal.periods:
                    await self._review_period(period)
                await self._annual()
                if self.pending_incentive is not None:
                    await self._incentive_or_objection()
                else:  # runs begun before INCENTIVE_AHEAD
                    await self._objection_window()
                    await self._incentive()
        except CycleEnded as ended:
            await self._end_early(str(ended))
        return self.status_query()

    def _start_details(self) -> dict[str, Any]:
        """What the cycle started with, recorded on its first step (one write, not two)."""
        return start_details(self.inp, self.status)

    async def _wait_active_or(self, until: datetime) -> None:
        """An exempt employee is not asked to plan; wait for a return to work or the year's end."""
        self.desk.paused_since = workflow.now()
        self.resume_stage, self.stage = self.stage, Stage.DITANGGUHKAN
        await self.desk.record("exempt", "cycle_started", details=self._start_details())
        await self._sleep_until(until, lambda: self.desk.paused_since is None)

    async def _sleep_until(self, at: datetime, early: Any = None) -> bool:
        """Sleep to `at` unless the cycle ends or `early()` turns true; True when woken early."""
        while True:
            self.desk.raise_if_ended()
            now = workflow.now()
            if now >= at:
                return False
            try:
                await workflow.wait_condition(
                    lambda: self.desk.ended is not None or bool(early and early()), timeout=at - now
                )
            except TimeoutError:
                return False
            self.desk.raise_if_ended()
            if early and early():
                return True

    async def _ready(self) -> None:
        """Block new work while the cycle is paused (leave, CLTN, MPP, tugas belajar)."""
        await workflow.wait_condition(
            lambda: self.desk.paused_since is None or self.desk.ended is not None
        )
        self.desk.raise_if_ended()

    # ---- planning ------------------------------------------------------------------------

    async def _plan(self) -> None:
        await self._ready()
        self.skp_version += 1
        self.needs_new_skp = False
        v = self.skp_version
        self.stage, self.skp_status = Stage.PERENCANAAN, SkpStatus.DRAFT
        cal, pol = self.inp.calendar, self.inp.policy
        first = v == 1 and self.status is EmploymentStatus.AKTIF  # also the cycle's first step
        # The bulk launcher wrote the first step (domain.opening) before it started this run.
        opened = self.inp.opened_at if first else None
        now = opened or workflow.now()
        deadline = skp_draft_due(cal, pol, v, now)
        note, round_ = "", 0
        draft = self._task(
            TaskKind.SKP_DRAFT, f"skp{v}/draft", SKP_DRAFT_TITLE, self.inp.nip, deadline,
            {"version": v},
        )  # fmt: skip
        stale = [self.pending_rep] if self.pending_rep and not self.pending_rep.done else []
        self.pending_rep = None  # written for the old SKP: a new one is asked for
        if opened is not None:
            self.desk.adopt([draft])
        else:
            await self.desk.record(
                f"skp{v}/open",
                CYCLE_STARTED if first else "skp_draft_requested",
                open_tasks=[draft],
                cancel=stale,
                notify=[self._note_task(draft)],
                details=self._start_details() if first else {},
            )
        while True:
            round_ += 1
            sub = await self.desk.wait_for(draft)
            assert isinstance(sub, SkpSubmission)
            self.skp, self.skp_status = sub.skp, SkpStatus.DIAJUKAN
            due = max(deadline, workflow.now() + cal.days(pol.skp_review_days))
            review = self._task(
                TaskKind.SKP_APPROVAL,
                f"skp{v}/review{round_}",
                "Menyetujui SKP bawahan",
                self.placement.penilai_nip,
                due,
                {
                    "skp": sub.skp.model_dump(mode="json"),
                    "version": v,
                    "round": round_,
                    "previous_note": note,
                },
            )
            await self.desk.record(
                f"skp{v}/submitted{round_}",
                "skp_submitted",
                actor=draft.by or "",
                close=[draft],
                open_tasks=[review],
                notify=[self._note_task(review)],
            )
            decision = await self.desk.wait_for(review)
            assert isinstance(decision, SkpReview)
            if decision.approve:
                self.skp_status = SkpStatus.DISETUJUI
                self.stage = Stage.PELAKSANAAN
                ahead = self._preopen()
                await self.desk.record(
                    f"skp{v}/approved",
                    "skp_approved",
                    actor=review.by or "",
                    close=[review],
                    open_tasks=ahead,
                    notify=[
                        self._note_employee("SKP disetujui", "SKP Anda telah disetujui penilai."),
                        *map(self._note_task, ahead),
                    ],
                )
                return
            note = decision.note
            self.skp_status = SkpStatus.DITOLAK
            due = max(deadline, workflow.now() + cal.days(pol.skp_review_days))
            draft = self._task(
                TaskKind.SKP_DRAFT,
                f"skp{v}/draft{round_ + 1}",
                "Memperbaiki SKP yang dikembalikan",
                self.inp.nip,
                due,
                {"version": v, "returned_note": note, "skp": sub.skp.model_dump(mode="json")},
            )
            await self.desk.record(
                f"skp{v}/returned{round_}",
                "skp_returned",
                actor=review.by or "",
                close=[review],
                open_tasks=[draft],
                details={"note": note},
                notify=[self._note_task(draft)],
            )

    # ---- periodic review -----------------------------------------------------------------

    async def _review_period(self, period: Period) -> None:
        if self.preopening:
            rep, sub = await self._await_preopened(period)
        else:  # histories from before PREOPEN_PERIODS: open the task at the period's end
            rep, sub = await self._open_at_period_end(period)
        await self._rate_period(period, rep, sub)

    def _realisation_task(self, period: Period, step: str, opens: datetime | None) -> OpenTask:
        cal, pol = self.inp.calendar, self.inp.policy
        start = max(workflow.now(), opens or workflow.now())
        return self._task(
            TaskKind.REALISATION,
            step,
            f"Melaporkan realisasi {period.label}",
            self.inp.nip,
            start + cal.days(pol.realisation_due_days),
            {
                "period": period.label,
                "period_index": period.index,
                "skp": self.skp.model_dump(mode="json") if self.skp else {},
            },
            period=period.index,
            visible_from=opens,
        )

    def _preopen(self) -> list[OpenTask]:
        """The next period's realisation task, to be written now and visible from its end."""
        self.preopening = since(PREOPEN_PERIODS)
        if not self.preopening or self.needs_new_skp:
            return []  # (a transfer: the report waits for the new post's SKP)
        rated = {p.index for p in self.periods}
        period = next((p for p in self.inp.calendar.periods if p.index not in rated), None)
        if period is None:
            return []
        opens = period.end if period.end > workflow.now() else None
        step = self.desk.step_key(f"p{period.index}/realisation")
        self.pending_rep = self._realisation_task(period, step, opens)
        return [self.pending_rep]

    async def _await_preopened(self, period: Period) -> tuple[OpenTask, BaseModel]:
        """Wait for the pre-opened report; a transfer before the period's end asks a new SKP."""
        while True:
            rep = self.pending_rep
            if rep is None:  # transferred since the last step: a new SKP first
                await self._plan()
                continue
            sub = await self.desk.wait_for(
                rep, interrupt=lambda: self.needs_new_skp and workflow.now() < period.end
            )
            if sub is not None:
                self.pending_rep = None
                return rep, sub
            await self._plan()  # cancels the task written for the old SKP, opens a new one

    async def _open_at_period_end(self, period: Period) -> tuple[OpenTask, BaseModel]:
        while await self._sleep_until(period.end, lambda: self.needs_new_skp):
            await self._plan()  # a transfer mid-year: a new SKP for the new post, then carry on
        await self._ready()
        i = period.index
        self.stage = Stage.PENILAIAN_PERIODIK
        rep = self._realisation_task(period, f"p{i}/realisation", None)
        await self.desk.record(
            f"p{i}/open",
            "realisation_requested",
            open_tasks=[rep],
            notify=[self._note_task(rep)],
            durable=self.desk.timer_steps_durable(),
        )
        sub = await self.desk.wait_for(rep)
        assert sub is not None
        return rep, sub

    async def _rate_period(self, period: Period, rep: OpenTask, sub: BaseModel) -> None:
        cal, pol = self.inp.calendar, self.inp.policy
        i = period.index
        skp_json = self.skp.model_dump(mode="json") if self.skp else {}
        assert isinstance(sub, RealisationSubmission)
        self.realisation[i] = sub.report
        rating = self._task(
            TaskKind.PERIOD_RATING,
            f"p{i}/rating",
            f"Menilai kinerja {period.label}",
            self.placement.penilai_nip,
            workflow.now() + cal.days(pol.rating_due_days),
            {
                "period": period.label,
                "period_index": i,
                "skp": skp_json,
                "realisation": sub.report.model_dump(mode="json"),
            },
            period=i,
            feedback=(period.start, period.end),
        )
        self.stage = Stage.PENILAIAN_PERIODIK
        await self.desk.record(
            f"p{i}/reported",
            "realisation_reported",
            actor=rep.by or "",
            close=[rep],
            open_tasks=[rating],
            notify=[self._note_task(rating)],
        )
        res = await self.desk.wait_for(rating)
        assert isinstance(res, RatingSubmission)
        predikat = predikat_from_ratings(res.hasil_kerja, res.perilaku)
        self.periods.append(
            PeriodResult(
                index=i,
                label=period.label,
                placement=self.placement,
                hasil_kerja=res.hasil_kerja,
                perilaku=res.perilaku,
                perilaku_values=res.perilaku_values,
                predikat=predikat,
                feedback=res.feedback,
                rated_by=rating.by or "",
                rated_at=workflow.now(),
            )
        )
        self.stage = Stage.PELAKSANAAN
        ahead = self._preopen()  # the next period's report, written with this step
        if not ahead:  # or, after the last period, the annual rating
            ahead = self._annual_ahead()
        outcome = await self.desk.record(
            f"p{i}/rated",
            "period_rated",
            actor=rating.by or "",
            close=[rating],
            open_tasks=ahead,
            want_org_predikat=self._ask_org_predikat() if self.pending_annual else None,
            details={"period": period.label, "predikat": predikat.value},
            notify=[
                self._note_employee(
                    f"Hasil penilaian {period.label}",
                    f"Predikat kinerja {period.label}: {predikat.value}.",
                ),
                *map(self._note_task, ahead),
            ],
        )
        self._follow_org(outcome.org_predikat)
        await self._maybe_train(predikat, period)

    async def _maybe_train(self, predikat: Predikat | None, period: Period | None) -> None:
        """Start a training child when the predicate or the JP pace calls for it (Ps. 205-206)."""
        plan = plan_training(
            self.inp,
            self.placement,
            self.wf_id,
            predikat,
            period,
            self.jp_earned,
            self.training_open,
            workflow.now(),
        )
        if plan is None:
            return
        self.training_count += 1
        self.training_open = True
        await workflow.start_child_workflow(
            "TrainingWorkflow",
            plan,
            id=f"training-{self.inp.year}-{self.inp.nip}-{self.training_count}",
            parent_close_policy=ParentClosePolicy.ABANDON,
        )

    @workflow.signal(name="training_finished")
    def training_finished(self, outcome: TrainingOutcome) -> None:
        """The training child reports the JP it credited once verified."""
        self.training_open = False
        if outcome.verified:
            self.jp_earned += outcome.jp_earned

    # ---- annual evaluation, objection, incentive -------------------------------------------

    def _annual_task(self) -> OpenTask:
        cal, pol = self.inp.calendar, self.inp.policy
        return self._task(
            TaskKind.ANNUAL_RATING,
            "annual/rating",
            "Penilaian kinerja tahunan",
            self.placement.penilai_nip,
            workflow.now() + cal.days(pol.rating_due_days),
            {
                "periods": [p.model_dump(mode="json") for p in self.periods],
                "skp": self.skp.model_dump(mode="json") if self.skp else {},
                "is_unit_head": self.placement.is_unit_head,
            },
            feedback=(cal.year_start, cal.year_end),
        )

    def _annual_ahead(self) -> list[OpenTask]:
        """The annual rating, to be opened by the step that rates the last period (ANNUAL_AHEAD).

        Only once every period is rated, the year has closed and the cycle is not paused: what
        the step after it would have opened at once. Otherwise `_annual` opens it as before.
        """
        cal = self.inp.calendar
        if (
            not self.preopening  # (a run begun before PREOPEN_PERIODS has no later patch)
            or len(self.periods) < len(cal.periods)
            or workflow.now() < cal.annual_review_at
            or self.desk.paused_since is not None
            or not since(ANNUAL_AHEAD)
        ):
            return []
        self.stage = Stage.PENILAIAN_TAHUNAN
        self.pending_annual = self._annual_task()
        return [self.pending_annual]

    def _ask_org_predikat(self) -> str | None:
        """The unit whose organisational predikat the annual rating's opening step is to read
        (a unit head's), marking the answer pending until `_follow_org` has it."""
        unit = self.placement.unit_code if self.placement.is_unit_head else None
        self.org_pending = unit is not None
        return unit

    def _follow_org(self, org_predikat: OrgPredikat | None) -> None:
        self.org_pending = False
        if org_predikat is not None:
            # A unit head's Hasil Kerja is the unit's organisational result.
            self.org_rating = ORG_TO_RATING.get(org_predikat.value, Rating.DI_BAWAH)

    async def _annual(self) -> None:
        cal, pol = self.inp.calendar, self.inp.policy
        task = self.pending_annual
        if task is None:
            await self._sleep_until(cal.annual_review_at)
            await self._ready()
            self.stage = Stage.PENILAIAN_TAHUNAN
            task = self._annual_task()
            outcome = await self.desk.record(
                "annual/open",
                "annual_rating_requested",
                open_tasks=[task],
                durable=self.desk.timer_steps_durable(),
                notify=[self._note_task(task)],
                want_org_predikat=self._ask_org_predikat(),
            )
            self._follow_org(outcome.org_predikat)
        res = await self.desk.wait_for(task)
        assert isinstance(res, RatingSubmission)
        predikat = predikat_from_ratings(res.hasil_kerja, res.perilaku)
        self.annual = AnnualResult(
            hasil_kerja=res.hasil_kerja,
            perilaku=res.perilaku,
            predikat=predikat,
            feedback=res.feedback,
            rated_by=task.by or "",
            rated_at=workflow.now(),
        )
        self.stage = Stage.KEBERATAN
        days = pol.objection_window_days
        ahead = self._incentive_ahead()
        details: dict[str, Any] = {"predikat": predikat.value}
        if ahead:  # what BKPP will be asked, and from when
            details["incentive_proposed"] = self._proposal().model_dump(mode="json")
            details["incentive_opens_at"] = ahead[0].spec.visible_from
        await self.desk.record(
            "annual/rated",
            "annual_rated",
            actor=task.by or "",
            close=[task],
            open_tasks=ahead,
            # Next come the objection window's timer and then a step activity (the incentive
            # proposal, an objection, a change of status or placement, or the cycle's end), so
            # the rating's update returns this step (ANNUAL_AHEAD); from INCENTIVE_AHEAD on it
            # opens the incentive approval, which is returned like any task it opens.
            then_activity=since(ANNUAL_AHEAD),
            details=details,
            notify=[
                self._note_employee(
                    "Hasil penilaian tahunan",
                    f"Predikat kinerja tahunan Anda: {predikat.value}. Anda dapat "
                    f"mengajukan keberatan dalam {days} hari.",
                ),
                *map(self._note_task, ahead),
            ],
        )

    def _incentive_ahead(self) -> list[OpenTask]:
        """BKPP's incentive approval, to be written with the step that records the annual rating
        and visible from the objection window's end (INCENTIVE_AHEAD); an objection within the
        window cancels it. The window's deadline is set here, from the rating's instant."""
        if not since(INCENTIVE_AHEAD):
            return []
        cal, pol = self.inp.calendar, self.inp.policy
        self.objection_deadline = workflow.now() + cal.days(pol.objection_window_days)
        self.pending_incentive = self._incentive_task(self.objection_deadline)
        return [self.pending_incentive]

    async def _incentive_or_objection(self) -> None:
        """The incentive approval written ahead: BKPP decides it once the objection window has
        closed (no step is written at the window's end: `_next_stage`), unless the employee
        objects within the window; then it is cancelled, and proposed again after the decision."""
        task = self.pending_incentive
        assert task is not None
        assert self.annual is not None
        ok = await self.desk.wait_for(task, interrupt=lambda: self.objection is not None)
        if ok is None:
            self.pending_incentive = None
            await self._decide_objection(cancel=[task])
            await self._incentive()
            return
        self.stage, self.incentive = Stage.TINDAK_LANJUT, self._proposal()
        await self._decide_incentive(task, ok)
        # A training follow-up starts with BKPP's decision (before the patch, with the proposal).
        await self._maybe_train(self.annual.predikat, None)

    async def _objection_window(self) -> None:
        cal, pol = self.inp.calendar, self.inp.policy
        self.objection_deadline = workflow.now() + cal.days(pol.objection_window_days)
        await self._sleep_until(self.objection_deadline, lambda: self.objection is not None)
        if self.objection is None or self.annual is None:
            return
        await self._decide_objection(cancel=[])

    async def _decide_objection(self, cancel: list[OpenTask]) -> None:
        """The atasan penilai (BKPP when none) decides the objection filed; `cancel`: the
        incentive approval written ahead, which waits for the decision."""
        cal, pol = self.inp.calendar, self.inp.policy
        assert self.objection is not None
        assert self.annual is not None
        decider = self.placement.atasan_penilai_nip
        task = self._task(
            TaskKind.OBJECTION_DECISION,
            "objection/decision",
            "Memutus keberatan atas hasil penilaian",
            decider,
            workflow.now() + cal.days(pol.objection_decision_days),
            {
                "reasons": self.objection.reasons,
                "annual": self.annual.model_dump(mode="json"),
                "periods": [p.model_dump(mode="json") for p in self.periods],
            },
            role=None if decider else Role.BKPP,
        )
        await self.desk.record(
            "objection/open",
            "objection_filed",
            actor=self.inp.nip,
            open_tasks=[task],
            cancel=cancel,
            durable=self.desk.timer_steps_durable(),
            notify=[self._note_task(task)],
            details={"reasons": self.objection.reasons},
        )
        dec = await self.desk.wait_for(task)
        assert isinstance(dec, ObjectionDecision)
        final = self.annual.predikat
        if dec.change and dec.hasil_kerja and dec.perilaku:
            final = predikat_from_ratings(dec.hasil_kerja, dec.perilaku)
            self.annual = self.annual.model_copy(
                update={"hasil_kerja": dec.hasil_kerja, "perilaku": dec.perilaku, "predikat": final}
            )
        self.objection = self.objection.model_copy(
            update={
                "decided_by": task.by,
                "decided_at": workflow.now(),
                "changed": dec.change,
                "note": dec.note,
                "final_predikat": final,
            }
        )
        await self.desk.record(
            "objection/decided",
            "objection_decided",
            actor=task.by or "",
            close=[task],
            details={"changed": dec.change, "final_predikat": final.value},
            notify=[
                self._note_employee(
                    "Keputusan keberatan",
                    f"Keberatan Anda {'dikabulkan' if dec.change else 'ditolak'}; "
                    f"predikat akhir: {final.value}. Keputusan ini final.",
                )
            ],
        )

    def _proposal(self) -> IncentiveDecision:
        """The incentive the final predikat gives (TPP share, follow-ups), for BKPP to approve."""
        assert self.annual is not None
        predikat, pol = self.annual.predikat, self.inp.policy
        return IncentiveDecision(
            predikat=predikat,
            tpp_share_percent=tpp_share_for_predikat(predikat, pol),
            follow_ups=follow_ups_for(predikat, pol),
        )

    def _incentive_task(self, opens: datetime | None) -> OpenTask:
        """BKPP's approval of the proposal; visible from `opens` when written ahead."""
        assert self.annual is not None
        cal, pol = self.inp.calendar, self.inp.policy
        return self._task(
            TaskKind.INCENTIVE_APPROVAL,
            self.desk.step_key("incentive/approval"),
            "Menyetujui keputusan insentif (TPP) dan tindak lanjut",
            None,
            (opens or workflow.now()) + cal.days(pol.incentive_approval_days),
            {
                "decision": self._proposal().model_dump(mode="json"),
                "annual": self.annual.model_dump(mode="json"),
            },
            role=Role.BKPP,
            visible_from=opens,
        )

    async def _incentive(self) -> None:
        """The proposal opened at the window's end (runs before INCENTIVE_AHEAD) or after an
        objection's decision."""
        assert self.annual is not None
        self.stage = Stage.TINDAK_LANJUT
        task = self._incentive_task(None)
        self.incentive = self._proposal()
        await self.desk.record(
            self.desk.step_key("incentive/open"),
            "incentive_proposed",
            open_tasks=[task],
            durable=self.desk.timer_steps_durable(),
            notify=[self._note_task(task)],
        )
        await self._maybe_train(self.annual.predikat, None)
        await self._decide_incentive(task, await self.desk.wait_for(task))

    async def _decide_incentive(self, task: OpenTask, ok: BaseModel | None) -> None:
        """BKPP's decision on the proposal closes the cycle."""
        assert isinstance(ok, IncentiveApproval)
        assert self.incentive is not None
        assert self.annual is not None
        predikat = self.annual.predikat
        self.incentive = self.incentive.model_copy(
            update={
                "approved_by": task.by if ok.approve else None,
                "approved_at": workflow.now(),
                "note": ok.note,
            }
        )
        self.outcome = (
            f"selesai: {predikat.value}, TPP {self.incentive.tpp_share_percent}%"
            if ok.approve
            else f"selesai: insentif ditahan BKPP ({ok.note})"
        )
        self.stage = Stage.SELESAI  # the decision closes the cycle: one write for both
        await self.desk.record(
            "incentive/decided",
            "cycle_closed",
            actor=task.by or "",
            close=[task],
            details={"approved": ok.approve, "note": ok.note},
        )

    async def _end_early(self, reason: str) -> None:
        """Retirement, death or dismissal: cancel open tasks and close with the reason."""
        self.stage, self.outcome = Stage.DIHENTIKAN, f"dihentikan: {reason}"
        open_now = list(self.desk.tasks.values())
        await self.desk.record("ended", "cycle_ended", cancel=open_now, details={"reason": reason})

    # ---- helpers ---------------------------------------------------------------------------

    def _task(
        self,
        kind: TaskKind,
        step: str,
        title: str,
        assignee: str | None,
        due: datetime,
        context: dict[str, Any],
        *,
        period: int | None = None,
        feedback: tuple[datetime, datetime] | None = None,
        role: Role | None = None,
        visible_from: datetime | None = None,
    ) -> OpenTask:
        """A task for `assignee` (BKPP when nobody), escalating up the rating chain."""
        employee_task = assignee == self.inp.nip
        chain = (
            [self.placement.penilai_nip] if employee_task else [self.placement.atasan_penilai_nip]
        )
        if since(ESCALATION_LADDER_2):
            # A BKPP task overdue stays with BKPP (a notice), not the atasan below it; nobody
            # escalates to themselves.
            chain = [] if assignee is None else [n for n in chain if n != assignee]
        spec = task_spec(
            self.inp, self.wf_id, kind=kind, step=step, title=title, assignee=assignee, due=due,
            context=context, unit_code=self.placement.unit_code, period=period, feedback=feedback,
            role=role, visible_from=visible_from,
        )  # fmt: skip
        return self.desk.new_task(spec, chain=chain)

    def _note_task(self, task: OpenTask) -> NotificationSpec:
        return task_notice(
            task.spec,
            assignee_nip=task.assignee_nip,
            assignee_role=task.assignee_role,
            due_at=task.due_at,
            name=self.inp.name,
            nip=self.inp.nip,
        )

    def _note_employee(self, subject: str, body: str) -> NotificationSpec:
        return NotificationSpec(recipient_nip=self.inp.nip, subject=subject, body=body)

    def _next_stage(self) -> tuple[Stage, datetime] | None:
        """The stage the calendar alone moves the cycle to, and when: tindak lanjut at the end
        of the objection window, when the incentive approval was written ahead and no objection
        was filed (no step is written then; the worker's sweeper moves the read model)."""
        if (
            self.stage is Stage.KEBERATAN
            and self.pending_incentive is not None
            and self.objection is None
            and self.objection_deadline is not None
        ):
            return Stage.TINDAK_LANJUT, self.objection_deadline
        return None

    def _stage_and_next(self) -> tuple[Stage, tuple[Stage, datetime] | None]:
        """The stage at this instant (the next one once its date has come), and the next stage
        still to come, if any."""
        nxt = self._next_stage()
        if nxt is not None and workflow.now() >= nxt[1]:
            return nxt[0], None
        return self.stage, nxt

    def _stage_now(self) -> Stage:
        return self._stage_and_next()[0]

    def _snapshot(self) -> CycleSnapshot:
        stage, nxt = self._stage_and_next()
        return CycleSnapshot(
            year=self.inp.year,
            nip=self.inp.nip,
            unit_code=self.placement.unit_code,
            penilai_nip=self.placement.penilai_nip,
            stage=stage,
            next_stage=nxt[0] if nxt else None,
            next_stage_at=nxt[1] if nxt else None,
            skp_status=self.skp_status,
            period_predikats={str(p.index): p.predikat for p in self.periods},
            annual_predikat=self.annual.predikat if self.annual else None,
            tpp_share=self.incentive.tpp_share_percent if self.incentive else None,
            follow_ups=self.incentive.follow_ups if self.incentive else [],
            jp_earned=self.jp_earned,
            outcome=self.outcome,
            closed=self.stage in (Stage.SELESAI, Stage.DIHENTIKAN),
        )

    # ---- human actions: updates with validators --------------------------------------------

    @workflow.update(name="complete_task")
    async def complete_task(self, c: TaskCompletion) -> TaskCompleted:
        """Complete a task; returns once the step is decided, with the new stage.

        The step comes back in `steps` for the caller to write when it closes this task and opens
        the next (STEPS_RETURNED_BY_UPDATE); otherwise an activity has written it already.
        """
        task, payload = self.desk.check_completion(c)
        if task.done:  # two completions accepted in one workflow task: the second loses
            raise refuse("Conflict", "tugas sudah diselesaikan")
        self.desk.accept(task, payload, c.actor.username)
        before = set(self.desk.tasks)
        await workflow.wait_condition(lambda: task.persisted or self.desk.ended is not None)
        opened = [t for t in self.desk.tasks if t not in before]
        return TaskCompleted(
            task_id=c.task_id,
            stage=self._stage_now(),
            next_task_ids=opened,
            message=f"{task.spec.title}: selesai",
            steps=self.desk.steps_to_write(),
        )

    @complete_task.validator
    def _check_complete(self, c: TaskCompletion) -> None:
        task, payload = self.desk.check_completion(c)
        self._check_rules(task, payload)

    def _check_rules(self, task: OpenTask, payload: BaseModel) -> None:
        """Rules that need the cycle's state, refused before anything reaches history."""
        if isinstance(payload, SkpSubmission):
            if (payload.skp.nip, payload.skp.year) != (self.inp.nip, self.inp.year):
                raise refuse(
                    "InvalidPayload",
                    "SKP harus untuk NIP dan tahun siklus ini",
                    field_name="skp.nip",
                )
            if payload.skp.jenis_jabatan != self.placement.jenis_jabatan:
                raise refuse(
                    "InvalidPayload",
                    "jenis jabatan SKP tidak sesuai jabatan saat ini",
                    field_name="skp.jenis_jabatan",
                )
        elif isinstance(payload, RealisationSubmission) and self.skp is not None:
            r = payload.report
            if r.period_index != task.spec.period_index:
                raise refuse(
                    "InvalidPayload",
                    "periode laporan tidak sesuai tugas",
                    field_name="report.period_index",
                )
            try:
                r.check_against(self.skp)
            except Exception as exc:  # domain ValidationFailed names the field
                raise refuse(
                    "InvalidPayload",
                    str(exc),
                    field_name=f"report.{getattr(exc, 'field', '') or 'items'}",
                ) from None
        elif isinstance(payload, RatingSubmission):
            self._check_rating(task, payload)
        elif (
            isinstance(payload, ObjectionDecision)
            and payload.change
            and not (payload.hasil_kerja and payload.perilaku)
        ):
            raise refuse(
                "InvalidPayload",
                "perubahan hasil memerlukan hasil_kerja dan perilaku",
                field_name="hasil_kerja",
            )

    def _check_rating(self, task: OpenTask, r: RatingSubmission) -> None:
        if not hasil_kerja_allowed(r.hasil_kerja, r.utama_ratings):
            raise refuse(
                "InvalidPayload",
                "Hasil Kerja 'Di Atas Ekspektasi' tidak boleh bila ada "
                "hasil kerja Utama di bawah ekspektasi",
                field_name="hasil_kerja",
            )
        if task.spec.kind is TaskKind.ANNUAL_RATING and self.org_pending:
            raise refuse(
                "Conflict", "predikat organisasi unit sedang dibaca; coba lagi sebentar lagi"
            )
        if (
            task.spec.kind is TaskKind.ANNUAL_RATING
            and self.org_rating is not None
            and r.hasil_kerja != self.org_rating
        ):
            raise refuse(
                "InvalidPayload",
                f"Hasil Kerja kepala unit mengikuti predikat organisasi: {self.org_rating.value}",
                field_name="hasil_kerja",
            )

    @workflow.update(name="file_objection")
    async def file_objection(self, f: ObjectionFiling) -> ChangeAck:
        """The employee objects to the annual result within the window (PP 30/2019 Ps. 59)."""
        self.objection = ObjectionRecord(reasons=f.reasons, filed_at=workflow.now())
        return ChangeAck(
            stage=self._stage_now(), message="keberatan diterima, diteruskan ke atasan penilai"
        )

    @file_objection.validator
    def _check_objection(self, f: ObjectionFiling) -> None:
        if f.actor.nip != self.inp.nip:
            raise refuse("Forbidden", "hanya pegawai yang dinilai yang dapat mengajukan keberatan")
        if self.stage is not Stage.KEBERATAN or self.objection_deadline is None:
            raise refuse("Conflict", "masa keberatan tidak sedang berjalan")
        if self.objection is not None:
            raise refuse("Conflict", "keberatan sudah diajukan")
        if workflow.now() >= self.objection_deadline:
            raise refuse("Conflict", "masa keberatan 14 hari sudah lewat")

    @workflow.update(name="transfer")
    async def transfer(self, t: Transfer) -> ChangeAck:
        """Mutasi: open penilai tasks move to the new penilai; a new SKP for the new post."""
        old = self.placement
        self.placement = t.placement
        moved: list[OpenTask] = []
        self.desk.advance(list(self.desk.tasks.values()))  # an overdue task stays where it went
        for task in self.desk.tasks.values():
            if task.done or task.level > 0 or task.assignee_nip in (None, self.inp.nip):
                continue
            if task.assignee_nip == old.penilai_nip:
                task.assignee_nip = t.placement.penilai_nip
                task.allowed_nips = {n for n in [t.placement.penilai_nip] if n}
                task.assignee_role = None if t.placement.penilai_nip else Role.BKPP
                moved.append(task)
        if self.skp_status is SkpStatus.DISETUJUI:
            self.needs_new_skp = True
        self.desk.changes += 1
        await self.desk.record(
            self.desk.step_key("transfer"),
            "employee_transferred",
            actor=t.actor.username,
            reassign=moved,
            details={
                "reason": t.reason,
                "from": old.model_dump(mode="json"),
                "to": t.placement.model_dump(mode="json"),
            },
            notify=[
                self._note_employee(
                    "Mutasi tercatat",
                    f"Penempatan baru: {t.placement.position} ({t.placement.unit_code}).",
                )
            ],
        )
        return ChangeAck(
            stage=self._stage_now(), message=f"{len(moved)} tugas dialihkan ke penilai baru"
        )

    @transfer.validator
    def _check_transfer(self, t: Transfer) -> None:
        self._check_hr(t.actor)
        if t.placement.penilai_nip == self.inp.nip:
            raise refuse(
                "InvalidPayload",
                "pegawai tidak dapat menjadi penilai dirinya sendiri",
                field_name="placement.penilai_nip",
            )

    @workflow.update(name="change_status")
    async def change_status(self, s: StatusChange) -> ChangeAck:
        """Leave or exemption pauses the cycle; return resumes it; terminal statuses end it."""
        before, self.status = self.status, s.status
        now = workflow.now()
        moved: list[OpenTask] = []
        if s.status.is_terminal:
            self.desk.ended = f"{s.status.value}: {s.reason}"
        elif s.status.pauses_cycle and self.desk.paused_since is None:
            self.desk.paused_since = now
            self.resume_stage, self.stage = self.stage, Stage.DITANGGUHKAN
        elif not s.status.pauses_cycle and self.desk.paused_since is not None:
            moved = self.desk.resume(now)
            self.stage = self.resume_stage
        if not s.status.is_terminal:
            await self.desk.record(
                self.desk.step_key("status"),
                "status_changed",
                actor=s.actor.username,
                reassign=moved,
                details={"from": before.value, "to": s.status.value, "reason": s.reason},
            )
        return ChangeAck(
            stage=self._stage_now(), message=f"status {before.value} -> {s.status.value}"
        )

    @change_status.validator
    def _check_status(self, s: StatusChange) -> None:
        self._check_hr(s.actor)

    @workflow.update(name="extend_deadline")
    async def extend_deadline(self, e: DeadlineExtension) -> ChangeAck:
        """Give more time to one or every open task of the cycle."""
        moved = self.desk.shift_deadlines(self.inp.calendar.days(e.days), e.task_id)
        await self.desk.record(
            self.desk.step_key("extend"),
            "deadline_extended",
            actor=e.actor.username,
            reassign=moved,
            details={"days": e.days, "reason": e.reason, "task_id": e.task_id},
        )
        return ChangeAck(
            stage=self._stage_now(), message=f"{len(moved)} tenggat diperpanjang {e.days} hari"
        )

    @extend_deadline.validator
    def _check_extend(self, e: DeadlineExtension) -> None:
        self._check_hr(e.actor)
        if e.task_id is not None and e.task_id not in self.desk.tasks:
            raise refuse("NotFound", "tugas tidak terbuka pada siklus ini", field_name="task_id")
        if not self.desk.tasks:
            raise refuse("Conflict", "tidak ada tugas terbuka untuk diperpanjang")

    def _check_hr(self, actor: Actor) -> None:
        if not any(r in HR_ROLES for r in actor.roles):
            raise refuse("Forbidden", "hanya BKPP yang dapat mengubah data kepegawaian siklus")
        if self.desk.ended is not None or self.stage in (Stage.SELESAI, Stage.DIHENTIKAN):
            raise refuse("Conflict", "siklus sudah ditutup")

    @workflow.query(name="open_tasks")
    def open_tasks(self) -> list[TaskRef]:
        """The tasks waiting for someone."""
        return [self.desk.ref(t) for t in self.desk.tasks.values() if not t.done]

    @workflow.query(name="status")
    def status_query(self) -> CycleStatus:
        """Where the year stands: stage, open tasks, results so far, as of the run's last
        workflow task, with what the calendar changes after it (domain.status.status_as_of)."""
        stage, nxt = self._stage_and_next()  # a next stage is tindak lanjut, before a decision
        return CycleStatus(
            workflow_id=self.wf_id,
            stage=stage,
            skp_status=self.skp_status,
            paused=self.desk.paused_since is not None,
            open_tasks=self.open_tasks(),
            period_results=self.periods,
            annual=self.annual,
            objection=self.objection,
            # The proposal BKPP is asked to approve, once the window has closed, as before.
            incentive=self.incentive
            or (self._proposal() if stage is Stage.TINDAK_LANJUT else None),
            jp_earned=self.jp_earned,
            outcome=self.outcome,
            next_stage=nxt[0] if nxt else None,
            next_stage_at=nxt[1] if nxt else None,
            next_incentive=self._proposal() if nxt else None,
        )
