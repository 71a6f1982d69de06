"""Scheduling (排班): a station's day planned by ``scheduler/`` in the worker, stored as drafts,
published onto the visits, re-planned on the day (DESIGN.md §9, §10)."""
