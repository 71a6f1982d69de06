"""The job worker (DESIGN.md §10): timed jobs on APScheduler and on-demand jobs as rows in the
job table, each durable, leased to exactly one worker and idempotent for its period.

A domain adds a kind with ``@job("kind", label=..., schema=...)`` (``carehub.jobs.registry``) in a
module that ``registry.load_kinds`` imports.
"""

from carehub.jobs.registry import job

__all__ = ["job"]
