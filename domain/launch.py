"""Payloads of the bulk launcher: what to launch, one page of work, and the progress counters."""

import hashlib
import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# Failure reasons kept in the launcher's state (and so in its history): the first ones, bounded.
MAX_FAILURES_KEPT = 50
PAGE_SIZE = 500


class LaunchScope(BaseModel):
    """Whom to launch: everyone, a unit with its sub-units, or an explicit list of NIPs."""

    model_config = ConfigDict(frozen=True)

    unit_code: str | None = None
    nips: tuple[str, ...] | None = None

    def key(self) -> str:
        """A stable, id-safe name of the scope: `all`, `unit-DINKES`, `nips-<hash>`."""
        if self.nips is not None:
            digest = hashlib.sha256(",".join(sorted(set(self.nips))).encode()).hexdigest()
            return f"nips-{digest[:16]}"
        if self.unit_code is not None:
            return "unit-" + re.sub(r"[^A-Za-z0-9._-]", "_", self.unit_code)
        return "all"


def launch_task_queue(task_queue: str) -> str:
    """The launcher's own queue: its tasks never wait behind the cycles it has just started."""
    return f"{task_queue}-launch"


def launch_workflow_id(year: int, launch_id: str) -> str:
    """Business key of one launch: a second launch of the same scope joins the running one."""
    return f"launch-{year}-{launch_id}"


class LaunchFailure(BaseModel):
    nip: str
    reason: str


class LaunchProgress(BaseModel):
    """Counters of a launch; carried across continue-as-new, answered by the `progress` query."""

    launch_id: str
    year: int
    total: int | None = None  # size of the selection, counted by the first page
    selected: int = 0  # employees paged so far
    started: int = 0
    exempt: int = 0  # started, but on leave or exempt: the workflow records the exemption
    skipped_running: int = 0  # a cycle of (year, nip) already existed: a repeated launch
    skipped_ended: int = 0  # retired, deceased or dismissed: no year to appraise
    failed: int = 0
    failures: list[LaunchFailure] = Field(default_factory=list)
    pages: int = 0
    runs: int = 1  # workflow runs so far (continue-as-new)
    done: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def handled(self) -> int:
        return self.started + self.skipped_running + self.skipped_ended + self.failed

    def add(self, page: "PageResult") -> None:
        """Fold one page's result into the totals."""
        if page.total is not None:
            self.total = page.total
        self.selected += page.selected
        self.started += page.started
        self.exempt += page.exempt
        self.skipped_running += page.skipped_running
        self.skipped_ended += page.skipped_ended
        self.failed += len(page.failures)
        room = MAX_FAILURES_KEPT - len(self.failures)
        self.failures.extend(page.failures[: max(room, 0)])
        self.pages += 1


class LaunchInput(BaseModel):
    """Input of LaunchCycleWorkflow; `cursor` and `progress` carry state over continue-as-new."""

    year: int
    scope: LaunchScope = Field(default_factory=LaunchScope)
    task_queue: str
    # The compressed calendar of every employee starts at this one instant (set on the first run).
    calendar_start: datetime | None = None
    cursor: str | None = None  # last NIP handled; pages are keyset-ordered by NIP
    progress: LaunchProgress | None = None
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=5000)
    concurrency: int = Field(default=50, ge=1, le=500)
    pages_per_run: int = Field(default=10, ge=1, le=1000)


class PageRequest(BaseModel):
    """One page for the activity: employees with NIP > `after`, at most `limit` of them."""

    year: int
    scope: LaunchScope
    task_queue: str
    calendar_start: datetime
    after: str | None
    limit: int
    concurrency: int


class PageResult(BaseModel):
    """What one page did; `last_nip` is the next cursor (None when the page was empty)."""

    total: int | None = None  # only on the first page
    selected: int = 0
    started: int = 0
    exempt: int = 0
    skipped_running: int = 0
    skipped_ended: int = 0
    failures: list[LaunchFailure] = Field(default_factory=list)
    last_nip: str | None = None
    # Fewer rows than asked: this was the last page.
    exhausted: bool = False
