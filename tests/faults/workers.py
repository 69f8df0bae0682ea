"""Worker processes of a fault scenario beyond the stack's own: one firer each, stopped at will.

A Celery worker with one slot runs one `fire_campaign` task at a time, so two such workers run
the campaign's two firers side by side, one each (`AMPLIFIER_RELEASE_FIRE_TASKS` is 2), and a
fault aimed at one worker hits exactly one firer.
"""

from __future__ import annotations

import os
import signal
from contextlib import suppress

from amplifier.supervisor import ManagedProcess, worker_argv
from tests.faults.harness import Release, Verdict


def start_single_slot_workers(rel: Release, names: list[str]) -> list[ManagedProcess]:
    return [
        rel.stack.processes.start(name, worker_argv(name=name, concurrency=1), env=rel.stack.env)
        for name in names
    ]


def signal_worker(rel: Release, name: str, sig: signal.Signals) -> None:
    """Send `sig` to the worker's whole process group (SIGSTOP stalls it, SIGCONT resumes)."""
    with suppress(ProcessLookupError):
        os.killpg(rel.process(name).proc.pid, sig)


def require_every_pledge_posted(v: Verdict) -> None:
    """Where nothing refuses a post for good, every pledge must end on the platform: a row
    reported unconfirmed or failed after a passing outage is a post lost to the supporter."""
    if v.posted != v.supporters:
        v.problems.append(
            f"only {v.posted} of {v.supporters} pledges posted "
            f"({v.unconfirmed} unconfirmed, {v.failed} failed): {dict(v.reasons)}"
        )
