"""The bench's API process: the real API (uvicorn, `api.main:app`) with its GC pauses recorded
to api-gc.json. Same arguments as `python -m uvicorn`."""

import os
from pathlib import Path

import uvicorn

from bench.gcprobe import GcPauses

if __name__ == "__main__":
    GcPauses(Path(os.environ.get("KINERJA_VAR_DIR", ".")) / "api-gc.json").write_in_background()
    uvicorn.main()
