"""Benchmarks of amplifier on real processes (`python -m bench.release --help`).

The harness drives the release engine only through its public behaviour: rows in the database
(an armed campaign with pledges and a release timestamp) and the real Celery worker and beat
processes; it judges the result only from what the platform sandbox recorded, cross-checked
with the `delivery` rows. So it keeps measuring the same thing whatever the engine does inside.
"""
