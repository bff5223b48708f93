"""Routers grouped by audience: auth, health, org, hr, tasks, me, audit, public."""
