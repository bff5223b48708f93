"""Org import, cycles, progress and export, audit trail and chain, public feedback, error shape."""

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from api_orgdata import ORG
from openpyxl import load_workbook
from sqlmodel import Session

from db.audit import append_audit
from db.models import CycleRecord, Notification
from domain.enums import Predikat, Stage

SAMPLE = Path(__file__).resolve().parents[2] / "db" / "seed" / "sample_org.csv"


def test_org_import_ok_and_all_or_nothing(client, auth):
    r = client.post(
        "/hr/org/import", files={"file": ("org.csv", SAMPLE.read_bytes())}, headers=auth("bkpp")
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] > 0
    bad = SAMPLE.read_text().replace("JPT Pratama", "Menteri", 1).encode()
    r = client.post("/hr/org/import", files={"file": ("bad.csv", bad)}, headers=auth("bkpp"))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_invalid"
    assert body["errors"][0]["line"] >= 2
    assert body["errors"][0]["column"] == "jenis_jabatan"
    log = client.get("/audit/log", params={"action": "org_imported"}, headers=auth("auditor"))
    assert log.json()["count"] == 1


def test_cycle_progress_export(client, auth, engine):
    r = client.post(
        "/cycles", json={"year": 2030, "policy": {"rating_due_days": 0}}, headers=auth("bkpp")
    )
    assert r.status_code == 422
    assert r.json()["field"] == "policy.rating_due_days"
    assert client.post("/cycles", json={"year": 2030}, headers=auth("bkpp")).status_code == 201
    assert client.post("/cycles", json={"year": 2030}, headers=auth("bkpp")).status_code == 409
    with Session(engine) as s:
        for nip, unit, stage, pred in [
            (ORG.pegawai_a1, "DINKES", Stage.SELESAI, Predikat.BAIK),
            (ORG.pegawai_b1, "PUSK", Stage.PENILAIAN_TAHUNAN, None),
        ]:
            s.add(
                CycleRecord(
                    workflow_id=f"appraisal-2030-{nip}",
                    year=2030,
                    nip=nip,
                    unit_code=unit,
                    stage=stage,
                    annual_predikat=pred,
                    tpp_share=100,
                    follow_ups=["=HYPERLINK()"] if pred else [],
                )
            )
        s.commit()
    prog = client.get("/cycles/2030/progress", headers=auth("bkpp")).json()
    assert prog["total"] == 2
    assert prog["by_stage"] == {"selesai": 1, "penilaian_tahunan": 1}
    assert client.get("/cycles/2030/progress", headers=auth("penilai_a")).json()["total"] == 1
    csv = client.get("/cycles/2030/export.csv", headers=auth("bkpp"))
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "nip,nama,unit,predikat,tpp_share,follow_ups,approved"
    assert "'=HYPERLINK()" in csv.text
    xlsx = client.get("/cycles/2030/export.xlsx", headers=auth("auditor"))
    rows = list(load_workbook(BytesIO(xlsx.content)).active.values)
    assert rows[0][0] == "nip"
    assert len(rows) == 3


def test_trail_and_chain(client, auth, engine):
    wf = f"appraisal-2030-{ORG.pegawai_a1}"
    with Session(engine) as s:
        s.add(
            CycleRecord(
                workflow_id=wf,
                year=2030,
                nip=ORG.pegawai_a1,
                unit_code="DINKES",
                stage=Stage.PELAKSANAAN,
            )
        )
        for i, (actor, action) in enumerate(
            [("system", "cycle_started"), ("penilai_a", "skp_approved")]
        ):
            append_audit(
                s,
                key=f"{wf}/{i}",
                actor=actor,
                action=action,
                workflow_id=wf,
                after={"stage": "pelaksanaan"},
                at=datetime(2030, 2, 3, 2, 0, tzinfo=UTC),
            )
        s.commit()
    with Session(engine) as s:
        due = datetime(2030, 2, 10, 2, 0, tzinfo=UTC)
        for n, (delivered, dropped) in enumerate(
            [(datetime(2030, 2, 7, 2, 0, 1, tzinfo=UTC), None), (None, "task_closed")]
        ):
            s.add(
                Notification(
                    key=f"{wf}/skp1/submitted1/{n}/{ORG.penilai_a}",
                    recipient_nip=ORG.penilai_a,
                    subject="Pengingat: Menyetujui SKP bawahan",
                    body="-",
                    deliver_after=due - timedelta(days=3 - 2 * n),
                    delivered_at=delivered,
                    dropped_at=datetime(2030, 2, 9, 2, 0, tzinfo=UTC) if dropped else None,
                    dropped_reason=dropped,
                    task_id=f"{wf}/skp1/review1",
                    task_due_at=due,
                )
            )
        s.commit()
    body = client.get(f"/audit/cycles/{wf}/trail", headers=auth("auditor")).json()
    trail = body["data"]
    assert trail[1]["sentence"] == (
        "3 Februari 2030 09.00 WIB — penilai_a menyetujui SKP (stage: pelaksanaan)"
    )
    assert [(r["status"], r["reason"]) for r in body["reminders"]] == [
        ("terkirim", None),
        ("dibatalkan", "tugas sudah diselesaikan"),
    ]
    assert body["reminders"][1]["sentence"] == (
        f"9 Februari 2030 09.00 WIB — pengingat kepada {ORG.penilai_a} tidak dikirim"
        " (tugas sudah diselesaikan): Pengingat: Menyetujui SKP bawahan"
    )
    assert client.get("/audit/log/verify", headers=auth("auditor")).json()["ok"] is True
    assert (
        client.get(
            "/audit/cycles", params={"stage": "pelaksanaan"}, headers=auth("auditor")
        ).json()["count"]
        == 1
    )


def test_public_feedback_privacy_and_rate_limit(client, auth):
    body = {"unit_code": "DINKES", "rating": 4, "text": "cepat", "contact": "0812-SECRET"}
    first = client.post("/public/feedback", json=body)
    assert first.status_code == 201
    assert "SECRET" not in first.text
    summary = client.get("/public/units/DINKES/feedback-summary").json()
    assert summary["count"] == 1
    assert summary["distribution"]["4"] == 1
    assert "SECRET" not in str(summary)
    assert "cepat" not in str(summary)
    log = client.get("/audit/log", headers=auth("auditor")).text
    assert "SECRET" not in log
    codes = [client.post("/public/feedback", json=body).status_code for _ in range(6)]
    assert codes[-1] == 429
    limited = client.post("/public/feedback", json=body)
    assert limited.json()["code"] == "rate_limited"
    assert "Retry-After" in limited.headers


def test_error_shape(client, auth):
    r = client.post("/cycles", json={"year": "abc"}, headers=auth("bkpp"))
    assert r.status_code == 422
    assert r.json()["field"] == "year"
    r = client.post(
        "/cycles",
        content=b"{not json",
        headers={**auth("bkpp"), "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert set(r.json()) >= {"code", "message"}
    assert client.get("/nope").json()["code"] == "not_found"
    assert client.delete("/units").json()["code"] == "method_not_allowed"
    assert client.get("/units").json()["code"] == "unauthorized"


def test_unexpected_error_is_json_500_without_details(client, auth, monkeypatch):
    import api.routers.org as org

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(org, "read_scope", boom)
    r = client.get("/employees", headers=auth("bkpp"))
    assert r.status_code == 500
    assert r.json()["code"] == "internal_error"
    assert "secret" not in r.text
