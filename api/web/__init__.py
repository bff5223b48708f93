"""Server-rendered web pages (Bahasa Indonesia) on top of the JSON API, served by the API process.

The pages hold no rule of their own: every read and action is a call to the JSON API, made
in-process (httpx over ASGI) with the logged-in user's token, so authorization, validation,
idempotency and audit are the API's. See `install_web`.
"""

from api.web.install import install_web

__all__ = ["install_web"]
