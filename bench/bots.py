"""Bots that work every open task through the API, as the people of the synthetic city would."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, col, select

from db.models import Task, task_visible
from domain.enums import TaskKind, TaskStatus
from domain.payloads import appraisal_workflow_id

FEEDBACK = "Pertahankan kinerja."
TIMEOUT_S = 60
URL = "https://drive.semarangkota.go.id/bukti/laporan.pdf"


def skp(nip: str, year: int, jenis_jabatan: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "jenis": "Utama",
        "rhk_atasan": "Meningkatnya kualitas layanan",
        "rhk": "Terlayaninya permohonan tepat waktu",
        "indikator": [
            {
                "iki": "Persentase permohonan selesai <= 3 hari",
                "aspek": "Waktu",
                "target": {"value": 95, "unit": "persen"},
            }
        ],
    }
    if jenis_jabatan.startswith("JPT"):  # a leader's rows carry a perspective, no leader's RHK
        row["perspektif"] = "Penerima Layanan"
    return {
        "skp": {
            "nip": nip,
            "year": year,
            "pendekatan": "Kuantitatif",
            "jenis_jabatan": jenis_jabatan,
            "hasil_kerja": [row],
        }
    }


def payload(
    kind: TaskKind, period: int | None, nip: str, year: int, jabatan: str
) -> dict[str, Any]:
    """A valid payload for a task of `kind` about employee `nip`."""
    rating = {
        "hasil_kerja": "Sesuai Ekspektasi",
        "perilaku": "Sesuai Ekspektasi",
        "utama_ratings": ["Sesuai Ekspektasi"],
        "feedback": FEEDBACK,
    }
    match kind:
        case TaskKind.SKP_DRAFT:
            return skp(nip, year, jabatan)
        case TaskKind.REALISATION:
            item = {"row": 0, "indikator": 0, "realisasi": "96% tepat waktu", "nilai": 96,
                    "evidence": [URL]}  # fmt: skip
            report = {"nip": nip, "year": year, "period_index": period or 1, "items": [item]}
            return {"report": report}
        case TaskKind.PERIOD_RATING | TaskKind.ANNUAL_RATING:
            return rating
        case TaskKind.TRAINING_COMPLETION:
            return {"jp_earned": 24, "certificate_url": "https://lms.semarangkota.go.id/c/1"}
        case TaskKind.OBJECTION_DECISION:
            return {"change": False, "note": "Hasil sudah sesuai bukti."}
        case _:  # approvals and verifications
            return {"approve": True, "verified": True}


def http_session(api_url: str) -> aiohttp.ClientSession:
    """The bench's HTTP clients: aiohttp, whose CPU per request is a twentieth of httpx's.

    The clients share the machine's two cores with the stack they measure, so their own CPU
    counts in every latency. Measured on one host (`python -m bench.clients`, session 17): a POST
    with an SKP payload cost the client 4.5-5.9 ms of CPU with httpx and 0.24-0.28 ms with aiohttp.
    """
    return aiohttp.ClientSession(
        base_url=api_url,
        connector=aiohttp.TCPConnector(limit=64),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
    )


def workable(year: int) -> tuple[ColumnElement[bool], ...]:
    """Conditions for the tasks of `year`'s cycles that can be worked now: open and visible."""
    return (
        col(Task.status) == TaskStatus.OPEN,
        task_visible(datetime.now(UTC)),
        col(Task.workflow_id).startswith(appraisal_workflow_id(year, "")),
    )


@dataclass
class Latencies:
    """Completion round trips in ms, with the status codes seen."""

    ms: list[float] = field(default_factory=list)
    codes: dict[int, int] = field(default_factory=dict)
    # the API's Server-Timing phases of each 200 (read, update, write), in ms
    phases: dict[str, list[float]] = field(default_factory=dict)

    def add(self, ms: float, code: int, server_timing: str = "") -> None:
        self.codes[code] = self.codes.get(code, 0) + 1
        if code == 200:
            self.ms.append(ms)
            for name, dur in parse_server_timing(server_timing):
                self.phases.setdefault(name, []).append(dur)


def parse_server_timing(header: str) -> list[tuple[str, float]]:
    """`read;dur=3.1, update;dur=80.2` -> [("read", 3.1), ("update", 80.2)]."""
    out = []
    for metric in filter(None, (m.strip() for m in header.split(","))):
        name, *params = (p.strip() for p in metric.split(";"))
        for p in params:
            if p.startswith("dur="):
                out.append((name, float(p[4:])))
    return out


@dataclass
class OpenTask:
    id: str
    kind: TaskKind
    assignee: str | None
    subject: str
    period: int | None
    level: int

    @property
    def seen_key(self) -> tuple[str, int]:
        """A task is worked again after it escalates: its new assignee acts on it."""
        return self.id, self.level


class Bots:
    """`clients` concurrent clients completing whatever is open, oldest first."""

    def __init__(
        self,
        api_url: str,
        engine: Engine,
        token: Callable[[str | None], str],
        *,
        year: int,
        jabatan: dict[str, str],
        clients: int = 20,
    ) -> None:
        self.api_url, self.engine, self.token = api_url, engine, token
        self.year, self.jabatan, self.clients = year, jabatan, clients
        self.queue: asyncio.Queue[OpenTask] = asyncio.Queue()
        self.seen: set[tuple[str, int]] = set()
        self.lat = Latencies()
        self.completed = 0
        self.errors: list[str] = []

    def _open(self) -> list[OpenTask]:
        cols = (
            Task.id,
            Task.kind,
            Task.assignee_nip,
            Task.subject_nip,
            Task.period_index,
            Task.escalation_level,
        )
        stmt = (
            select(*[col(c) for c in cols])
            .where(*workable(self.year))
            .order_by(col(Task.created_at))
            .limit(5000)
        )
        with Session(self.engine) as s:
            rows = s.execute(stmt).all()
        tasks = [OpenTask(*row) for row in rows]
        return [t for t in tasks if t.seen_key not in self.seen]

    async def _feed(self, stop: Callable[[], bool]) -> None:
        while not stop():
            if self.queue.qsize() < self.clients * 4:
                for t in await asyncio.to_thread(self._open):
                    self.seen.add(t.seen_key)
                    self.queue.put_nowait(t)
            await asyncio.sleep(0.3)

    async def _work(
        self, http: aiohttp.ClientSession, stop: Callable[[], bool], lat: Latencies
    ) -> None:
        while not stop():
            try:
                t = await asyncio.wait_for(self.queue.get(), 0.5)
            except TimeoutError:
                continue
            body = {
                "payload": payload(t.kind, t.period, t.subject, self.year, self.jabatan[t.subject])
            }
            headers = {"Authorization": f"Bearer {self.token(t.assignee)}"}
            began, timing, answer = time.perf_counter(), "", b""
            try:
                async with http.post(f"/tasks/{t.id}/complete", json=body, headers=headers) as r:
                    answer = await r.read()  # to the end, so the connection is kept; no decoding
                    code, timing = r.status, r.headers.get("server-timing", "")
            except (aiohttp.ClientError, TimeoutError) as exc:
                code, answer = 599, repr(exc).encode()
            lat.add((time.perf_counter() - began) * 1000, code, timing)
            if code not in (200, 409) and len(self.errors) < 20:
                self.errors.append(f"{t.kind} {code} {answer[:300].decode(errors='replace')}")
            if code == 200:
                self.completed += 1
            elif code not in (409, 403, 404, 422):  # transient: try again later
                self.seen.discard(t.seen_key)

    async def run(self, stop: Callable[[], bool], lat: Latencies | None = None) -> Latencies:
        """Work until `stop()`; latencies go to `lat` (a fresh one per measured window)."""
        lat = lat or self.lat
        async with http_session(self.api_url) as http:
            await asyncio.gather(
                self._feed(stop), *(self._work(http, stop, lat) for _ in range(self.clients))
            )
        return lat
