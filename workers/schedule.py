"""Beat wakes the tick every `release_tick_s`; the tick itself decides what is due."""

from __future__ import annotations

from typing import Any


def beat_schedule(
    tick_s: float, mail_tick_s: float = 5.0, preflight_tick_s: float = 30.0
) -> dict[str, dict[str, Any]]:
    return {
        "amplifier-tick": {
            "task": "workers.tasks.tick",
            "schedule": tick_s,
            "options": {"expires": max(tick_s * 5, 5.0)},
        },
        "amplifier-mail": {
            "task": "workers.mail_tasks.send_mail",
            "schedule": mail_tick_s,
            "options": {"expires": max(mail_tick_s * 2, 5.0)},
        },
        "amplifier-preflight": {
            "task": "workers.tasks.preflight",
            "schedule": preflight_tick_s,
            "options": {"expires": max(preflight_tick_s * 2, 5.0)},
        },
    }
