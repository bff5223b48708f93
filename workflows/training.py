"""TrainingWorkflow: one competency-development assignment, reported and verified."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.enums import Role, Stage, TaskKind
    from domain.payloads import (
        NotificationSpec,
        TaskCompleted,
        TaskCompletion,
        TaskRef,
        TaskSpec,
        TrainingInput,
        TrainingOutcome,
        TrainingReport,
        TrainingSpec,
        TrainingVerification,
    )
    from workflows.desk import Desk, OpenTask, refuse


@workflow.defn(name="TrainingWorkflow")
class TrainingWorkflow:
    """Assign, report, verify, credit the JP to the year; overdue steps escalate like any task."""

    @workflow.init
    def __init__(self, inp: TrainingInput) -> None:
        self.inp = inp
        self.wf_id = workflow.info().workflow_id
        self.status = "assigned"
        self.desk = Desk(self.wf_id, inp.policy, inp.calendar, lambda: None)

    @workflow.run
    async def run(self, inp: TrainingInput) -> TrainingOutcome:
        attempt = 0
        while True:
            attempt += 1
            report_task = self._task(
                TaskKind.TRAINING_COMPLETION,
                f"report{attempt}",
                f"Melaporkan penyelesaian {inp.training_type.value}",
                inp.nip,
                [inp.penilai_nip],
                inp.due_at,
            )
            await self.desk.record(
                f"assign{attempt}",
                "training_assigned",
                open_tasks=[report_task],
                training=self._spec(),
                details={"reason": inp.reason},
                notify=[self._note(report_task)],
            )
            report = await self.desk.wait_for(report_task)
            assert isinstance(report, TrainingReport)
            self.status = "reported"
            verify = self._task(
                TaskKind.TRAINING_VERIFICATION,
                f"verify{attempt}",
                "Memverifikasi penyelesaian pelatihan bawahan",
                inp.penilai_nip,
                [inp.atasan_penilai_nip],
                workflow.now() + inp.calendar.days(inp.policy.rating_due_days),
                {"report": report.model_dump(mode="json")},
            )
            await self.desk.record(
                f"reported{attempt}",
                "training_reported",
                actor=report_task.by or "",
                close=[report_task],
                open_tasks=[verify],
                notify=[self._note(verify)],
                training=self._spec(report),
            )
            check = await self.desk.wait_for(verify)
            assert isinstance(check, TrainingVerification)
            if check.verified:
                self.status = "verified"
                await self.desk.record(
                    "verified",
                    "training_verified",
                    actor=verify.by or "",
                    close=[verify],
                    training=self._spec(report, verify.by),
                )
                outcome = TrainingOutcome(
                    verified=True,
                    jp_earned=report.jp_earned,
                    certificate_url=report.certificate_url,
                )
                break
            await self.desk.record(
                f"rejected{attempt}",
                "training_rejected",
                actor=verify.by or "",
                close=[verify],
                details={"note": check.note},
            )
        await self._tell_parent(outcome)
        return outcome

    async def _tell_parent(self, outcome: TrainingOutcome) -> None:
        parent = workflow.get_external_workflow_handle(self.inp.parent_workflow_id)
        try:
            await parent.signal("training_finished", outcome)
        except Exception:  # the year may have closed already; the JP are in the training record
            workflow.logger.info("parent cycle closed; JP recorded in the training record only")

    def _task(
        self,
        kind: TaskKind,
        step: str,
        title: str,
        assignee: str | None,
        chain: list[str | None],
        due: object,
        context: dict[str, object] | None = None,
    ) -> OpenTask:
        spec = TaskSpec(
            id=f"{self.wf_id}/{step}",
            step=step,
            kind=kind,
            title=title,
            assignee_nip=assignee,
            assignee_role=None if assignee else Role.BKPP,
            subject_nip=self.inp.nip,
            unit_code=self.inp.unit_code,
            due_at=due,
            context={
                "training_type": self.inp.training_type.value,
                "jp_planned": self.inp.jp_planned,
                "reason": self.inp.reason,
                **(context or {}),
            },
        )
        return self.desk.new_task(spec, chain=chain)

    def _spec(self, report: TrainingReport | None = None, by: str | None = None) -> TrainingSpec:
        return TrainingSpec(
            nip=self.inp.nip,
            year=self.inp.year,
            training_type=self.inp.training_type,
            jp_planned=self.inp.jp_planned,
            due_at=self.inp.due_at,
            status=self.status,
            jp_earned=report.jp_earned if report and by else 0,
            certificate_url=report.certificate_url if report else None,
            verified_by=by,
        )

    def _note(self, task: OpenTask) -> NotificationSpec:
        return NotificationSpec(
            recipient_nip=task.assignee_nip,
            recipient_role=task.assignee_role,
            subject=f"Tugas pengembangan: {task.spec.title}",
            body=f"{task.spec.title} ({self.inp.jp_planned} JP), tenggat "
            f"{task.due_at:%d-%m-%Y %H:%M} UTC.",
        )

    @workflow.query(name="open_tasks")
    def open_tasks(self) -> list[TaskRef]:
        """The tasks waiting for someone."""
        return [self.desk.ref(t) for t in self.desk.tasks.values() if not t.done]

    @workflow.update(name="complete_task")
    async def complete_task(self, c: TaskCompletion) -> TaskCompleted:
        """Complete the open training task."""
        task, payload = self.desk.check_completion(c)
        if task.done:
            raise refuse("Conflict", "tugas sudah diselesaikan")
        self.desk.accept(task, payload, c.actor.username)
        await workflow.wait_condition(lambda: task.persisted)
        return TaskCompleted(
            task_id=c.task_id,
            stage=Stage.PELAKSANAAN,
            next_task_ids=list(self.desk.tasks),
            message=self.status,
            steps=self.desk.steps_to_write(),
        )

    @complete_task.validator
    def _check_complete(self, c: TaskCompletion) -> None:
        self.desk.check_completion(c)
