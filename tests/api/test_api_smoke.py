"""Health, auth and org listing against SQLite without Temporal."""

from api_orgdata import ORG, PASSWORD


def test_health_reports_temporal_down(client):
    r = client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["database"]["status"] == "up"
    assert body["database"]["version"].startswith(("SQLite", "PostgreSQL"))
    assert body["temporal"]["status"] == "down"


def test_login_and_me(client):
    r = client.post("/auth/token", data={"username": "penilai_a", "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"username": "penilai_a", "nip": ORG.penilai_a, "roles": ["pegawai", "penilai"]}


def test_wrong_password(client):
    r = client.post("/auth/token", data={"username": "penilai_a", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_units_and_scoped_employees(client, auth):
    units = client.get("/units", headers=auth("pegawai_a1")).json()
    assert units["count"] == 3
    everyone = client.get("/employees", headers=auth("bkpp")).json()
    assert everyone["count"] == 7
    mine = client.get("/employees", headers=auth("penilai_a")).json()
    assert {e["nip"] for e in mine["data"]} == {ORG.penilai_a, ORG.pegawai_a1, ORG.pegawai_a2}
    kepala = client.get("/employees", headers=auth("kepala")).json()
    assert kepala["count"] == 6
    r = client.get(f"/employees/{ORG.pegawai_b1}", headers=auth("pegawai_a1"))
    assert r.status_code == 403
    assert client.get("/employees/000", headers=auth("bkpp")).status_code == 404


def test_the_server_process_freezes_its_start_and_collects_less_often():
    """What the API server does at start (not the tests' apps): what it loaded is frozen out of
    every collection, and the thresholds are the setting's."""
    import gc

    from api.main import tune_gc

    before = gc.get_threshold()
    try:
        tune_gc((12_345, 7, 89))
        assert gc.get_threshold() == (12_345, 7, 89)
        assert gc.get_freeze_count() > 10_000  # the modules, classes and functions loaded
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
