"""PostgreSQL for the fault suite: emptying a test database, dropping its connections, and a
throwaway cluster of the test's own that a scenario may really stop and start.

The shared PostgreSQL server is used by other people's tests at the same time: a scenario that
needs the database to go away runs its own cluster (initdb/pg_ctl from the distribution's
`/usr/lib/postgresql/<version>/bin`, as the `postgres` user, on a free port, in a temporary
directory) and stops that one.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa

from amplifier.supervisor import free_port


def empty_postgres(url: str) -> str:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def terminate_postgres_backends(url: str) -> int:
    """Drop every other connection to this database, as a failover or a DBA would."""
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool
    )
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        return len(rows)
    finally:
        engine.dispose()


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class ThrowawayPostgres:
    """A cluster of one test's own: `stop()` and `start()` really stop and start the server."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *argv: str, timeout: float = 60) -> None:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self._as_postgres("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.sockets} -c fsync=off"
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def wait_ready(self, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        engine = sa.create_engine(
            self.url.replace("postgresql://", "postgresql+psycopg://", 1),
            poolclass=sa.pool.NullPool,
        )
        try:
            while True:
                try:
                    with engine.connect() as conn:
                        conn.execute(sa.text("SELECT 1"))
                    return
                except sa.exc.OperationalError:
                    if time.monotonic() > end:
                        raise
                    time.sleep(0.1)
        finally:
            engine.dispose()


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A running cluster of its own, removed afterwards (skips the test when it cannot run)."""
    import pytest

    bindir = postgres_bin()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin) to run a cluster")
    root = Path(tempfile.mkdtemp(prefix="amplifier-pg-"))
    root.chmod(0o755)
    (root / "sockets").mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(root / "sockets", "postgres")
    pg = ThrowawayPostgres(bindir, root)
    try:
        pg.init()
        pg.start()
        pg.wait_ready()
        yield pg
    finally:
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
