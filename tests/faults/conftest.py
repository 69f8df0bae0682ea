"""Fixtures of the fault-injection suite and the table it prints at the end of the session.

Run: `.venv/bin/pytest -m faults tests/faults` (about 6 minutes for one run of each scenario of
test_faults.py, 6 more for the release engine's own faults in test_engine_faults.py; the database
outage there runs a PostgreSQL cluster of its own and skips without the server binaries).
SQLite and an embedded redis-server by default; AMPLIFIER_TEST_POSTGRES_URL (its schema `public`
is dropped and recreated for every run) and AMPLIFIER_TEST_REDIS_URL (flushed) as in tests/e2e;
the Redis-restart scenario always uses its own embedded redis-server. The clock scenario needs
libfaketime (`apt-get install -y faketime`) and skips without it. Knobs: AMPLIFIER_FAULT_RUNS
(runs per scenario, default 1), AMPLIFIER_FAULT_SUPPORTERS (40), AMPLIFIER_FAULT_SETTLE_S (how
long after T every pledge must have a final outcome, 60), AMPLIFIER_FAULT_LATENCY_MS (500),
AMPLIFIER_FAULT_RELEASE_IN_S (14). Each run leaves evidence.json (the owner's report and the
sandbox's posts) and every process's log under its pytest tmp_path (see --basetemp).
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from _pytest.terminal import TerminalReporter

from tests.faults.harness import POSTGRES_URL, RESULTS, RUNS, SETTLE_S, SUPPORTERS, Verdict


@pytest.fixture
def database_url() -> str | None:
    """PostgreSQL when AMPLIFIER_TEST_POSTGRES_URL is set (schema emptied per run), else SQLite."""
    return POSTGRES_URL


def _row(name: str, verdicts: list[Verdict]) -> list[str]:
    def total(attr: str) -> str:
        return str(sum(getattr(v, attr) for v in verdicts))

    runs = len(verdicts)
    bad = sum(not v.ok for v in verdicts)
    errors = sum(v.error is not None for v in verdicts)
    settled = [v.settled_after_s for v in verdicts if v.settled_after_s is not None]
    outcome = "ok" if bad == 0 else f"FAIL {bad}/{runs}" + (f" ({errors} error)" if errors else "")
    return [
        name,
        str(runs),
        f"{sum(v.supporters for v in verdicts)}",
        total("posted"),
        total("duplicates"),
        total("lost"),
        total("unconfirmed"),
        total("failed"),
        total("misreported"),
        total("early"),
        f"T+{max(settled):.0f}s" if len(settled) == runs and settled else "never",
        outcome,
    ]


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not RESULTS:
        return
    grouped: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in RESULTS:
        grouped[verdict.scenario].append(verdict)
    header = [
        "scenario", "runs", "pledges", "posted", "dupes", "lost", "unconf", "failed",
        "misrep", "early", "settled", "verdict",
    ]  # fmt: skip
    rows = [header] + [_row(name, vs) for name, vs in grouped.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    tr = terminalreporter
    tr.section(
        f"fault injection: {SUPPORTERS} pledges a run, {RUNS} run(s) a scenario, "
        f"settle bound T+{SETTLE_S:.0f}s"
    )
    for i, row in enumerate(rows):
        tr.write_line("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            tr.write_line("  ".join("-" * w for w in widths))
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for verdict in RESULTS:
        reasons[verdict.scenario].update(verdict.reasons)
    if any(reasons.values()):
        tr.write_line("")
        tr.write_line("why pledges were not posted (as the owner's report says):")
        for name, counted in reasons.items():
            for reason, n in counted.most_common(4):
                tr.write_line(f"  {name}: {n}x {reason}")
    failing = [v for v in RESULTS if not v.ok]
    if failing:
        tr.write_line("")
        for v in failing:
            first = v.explain().splitlines()
            tr.write_line(first[0])
            for line in first[1:13]:
                tr.write_line("    " + line)
            if len(first) > 13:
                tr.write_line(f"    … {len(first) - 13} more lines in the test's failure message")
