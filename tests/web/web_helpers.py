"""Helpers of the browser tests (a unique module name: `conftest` is taken by other test dirs)."""

import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
PASSWORD = "kinerja-demo"


AGUS = "199011212014021003"  # Pengadministrasi Perkantoran, SETDA.ORG
RETNO = "197608022001042002"  # his penilai, Kepala Bagian Organisasi
BAYU = "198809292012031006"  # Kepala Seksi Pemerintahan, KEC.SMGTENGAH (someone else)
SKP_YEAR = 2031


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form."""
    page.goto("/masuk")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/tugas**")


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """Save a screenshot under test-artifacts/web/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


class Api:
    """The JSON API of the live stack, for set-up steps that are not under test."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.tokens: dict[str, str] = {}

    def auth(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = self.http.post("/auth/token", data={"username": user, "password": PASSWORD})
            r.raise_for_status()
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def post(self, path: str, user: str | None, body: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.auth(user) if user else {})

    def task(self, user: str, kind: str, timeout: float = 20) -> dict[str, Any]:
        """Wait for an open task of `kind` in the user's inbox."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.http.get("/tasks", params={"kind": kind}, headers=self.auth(user))
            if r.json()["count"]:
                task: dict[str, Any] = r.json()["data"][0]
                return task
            time.sleep(0.2)
        raise AssertionError(f"no {kind} task for {user}")

    def launch(self, year: int, nips: list[str], **cycle: Any) -> None:
        r = self.post("/cycles", "bkpp", {"year": year, **cycle})
        assert r.status_code in (201, 409), r.text
        r = self.post(f"/cycles/{year}/launch", "bkpp", {"nips": nips})
        assert r.status_code < 300, r.text
