"""Garbage-collection pauses of a bench process (the worker, the API), for the bench to read."""

import gc
import json
import threading
import time
from pathlib import Path
from typing import Any


class GcPauses:
    """This process's garbage-collection pauses of 1 ms or more, as (wall time, generation, ms,
    CPU ms of the collecting thread, objects collected), written to `path` every 2 s for the
    bench to read for its measured windows. A pause much longer than its CPU time was the
    thread waiting for a core (the host was busy), not the collector working."""

    def __init__(self, path: Path) -> None:
        self.path, self.began, self.began_cpu = path, 0.0, 0.0
        self.pauses: list[tuple[float, int, float, float, int]] = []
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.began, self.began_cpu = time.perf_counter(), time.thread_time()
            return
        ms = (time.perf_counter() - self.began) * 1000
        if ms >= 1:
            cpu = round((time.thread_time() - self.began_cpu) * 1000, 2)
            gen, collected = info["generation"], info["collected"]
            self.pauses.append((time.time(), gen, round(ms, 2), cpu, collected))

    def write(self) -> None:
        self.path.write_text(json.dumps(self.pauses))

    def write_in_background(self) -> None:
        """Every 2 s from a daemon thread (a process whose loop the bench does not own)."""

        def loop() -> None:
            while True:
                time.sleep(2)
                self.write()

        threading.Thread(target=loop, name="gc-pauses", daemon=True).start()
