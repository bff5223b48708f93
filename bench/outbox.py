"""Time the outbox dispatcher on a copy of a bench year's database.

    python -m bench.outbox /tmp/kinerja-bench-XXXX/kinerja.db [--batches 200] [--index old]

Copies the database (SQLite's backup API, so a live one is copied consistently), optionally puts
back the index the dispatcher had before migration 0005 (`--index old`: without `dropped_at`),
and runs `OutboxDispatcher.deliver_batch` with a channel that sends nothing, printing the
notices handled per second and the time per batch. The notices are marked delivered in the copy
only.
"""

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from sqlalchemy import text

from activities.notify import OutboxDispatcher
from db.engine import make_engine
from db.models import Notification

console = Console()


class NoChannel:
    """Counts instead of sending: the dispatcher's own work, without a log line or an SMTP
    round trip."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, note: Notification, address: str | None) -> None:
        del note, address
        self.sent += 1


def copy_db(src: Path, dst: Path) -> None:
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("db", type=Path, help="a bench run's kinerja.db (SQLite)")
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--index", choices=["new", "old"], default="new")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kinerja.db"
        copy_db(args.db, db)
        engine = make_engine(f"sqlite:///{db}")
        with engine.begin() as c:
            c.execute(text("DROP INDEX IF EXISTS ix_notification_pending"))
            cols = "delivered_at, deliver_after"
            if args.index == "new":
                cols = "delivered_at, dropped_at, deliver_after"
            c.execute(text(f"CREATE INDEX ix_notification_pending ON notification ({cols})"))
            pending, dropped = c.execute(
                text(
                    "SELECT sum(delivered_at IS NULL AND dropped_at IS NULL),"
                    " sum(dropped_at IS NOT NULL) FROM notification"
                )
            ).one()
        console.log(f"index {args.index}: {pending} notices pending, {dropped} dropped")
        channel = NoChannel()
        dispatcher = OutboxDispatcher(engine, channel)
        times, handled = [], 0
        for _ in range(args.batches):
            began = time.perf_counter()
            n = dispatcher.deliver_batch()
            times.append(time.perf_counter() - began)
            handled += n
            if n == 0:
                break
        total = sum(times)
        console.log(
            f"{handled} notices ({channel.sent} sent, the rest dropped) in {len(times)} batches,"
            f" {total:.2f} s: "
            f"{handled / total:.0f}/s, batch p50 {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms"
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
