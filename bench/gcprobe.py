"""Garbage-collection pauses of a bench process (the worker, the API), for the bench to read."""

import gc
import json
import threading
import time
from pathlib import Path
from typing import Any


class GcPauses:
    """This process's garbage-collection pauses of 1 ms or more, as (wall time, generation, ms),
    written to `path` every 2 s for the bench to read for its measured windows."""

    def __init__(self, path: Path) -> None:
        self.path, self.began = path, 0.0
        self.pauses: list[tuple[float, int, float]] = []
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.began = time.perf_counter()
            return
        ms = (time.perf_counter() - self.began) * 1000
        if ms >= 1:
            self.pauses.append((time.time(), info["generation"], round(ms, 2)))

    def write(self) -> None:
        self.path.write_text(json.dumps(self.pauses))

    def write_in_background(self) -> None:
        """Every 2 s from a daemon thread (a process whose loop the bench does not own)."""

        def loop() -> None:
            while True:
                time.sleep(2)
                self.write()

        threading.Thread(target=loop, name="gc-pauses", daemon=True).start()
