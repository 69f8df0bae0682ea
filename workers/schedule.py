"""Beat wakes the tick every `release_tick_s`; the tick itself decides what is due."""

from __future__ import annotations

from typing import Any


def beat_schedule(tick_s: float) -> dict[str, dict[str, Any]]:
    return {
        "amplifier-tick": {
            "task": "workers.tasks.tick",
            "schedule": tick_s,
            "options": {"expires": max(tick_s * 5, 5.0)},
        }
    }
