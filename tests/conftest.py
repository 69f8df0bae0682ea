"""Shared fixtures: databases (SQLite always, PostgreSQL when AMPLIFIER_TEST_POSTGRES_URL is set),
a real sandbox over HTTP, and the web app served by uvicorn on a free port.

Nothing of amplifier's own is mocked: tests talk to the sandbox and the app over real sockets.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn

from amplifier.crypto import generate_fernet_key, new_secret
from amplifier.db import Database, upgrade
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox, run_in_thread
from amplifier.supervisor import Stack, free_port, start_embedded_redis
from amplifier.web.serve import uvicorn_config
from config.settings import Settings


def _per_xdist_worker() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database and Redis db number, made
    from the configured ones (`test` → `test_gw1`, db 15 → db 14), before any test module reads
    the variables: the tests drop and recreate the schema and some flush the Redis db, which two
    workers sharing one of each would do under each other's feet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or os.environ.get("AMPLIFIER_TEST_ISOLATED") == worker:
        return
    index = int(worker[2:])
    pg = os.environ.get("AMPLIFIER_TEST_POSTGRES_URL")
    if pg:
        url = sa.engine.make_url(pg)
        mine = url.set(database=f"{url.database}_{worker}")
        admin = sa.create_engine(
            url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": mine.database}
            ).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
        admin.dispose()
        os.environ["AMPLIFIER_TEST_POSTGRES_URL"] = mine.render_as_string(hide_password=False)
    redis_url = os.environ.get("AMPLIFIER_TEST_REDIS_URL")
    if redis_url:
        base, _, db = redis_url.rpartition("/")
        os.environ["AMPLIFIER_TEST_REDIS_URL"] = f"{base}/{(int(db or 0) - index) % 16}"
    os.environ["AMPLIFIER_TEST_ISOLATED"] = worker


_per_xdist_worker()
POSTGRES_URL = os.environ.get("AMPLIFIER_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    with run_in_thread(
        host="127.0.0.1",
        x_port=0,
        mastodon_ports=(0, 0),
        latency_ms=0,
        x_client_id="test-x-client",
        x_client_secret=new_secret(24),
    ) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _clean_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        import requests

        sb: RunningSandbox = request.getfixturevalue("sandbox")
        from amplifier.demo.stack import sandbox_urls

        for base in sandbox_urls(sb.announced):  # every emulated host, as announced
            requests.post(f"{base}/_sandbox/reset", timeout=10)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: `AMPLIFIER_TEST_REDIS_URL` when set (CI), else one embedded redis-server
    for the whole session. Tests using it keep to their own keys; none flushes the database."""
    url = os.environ.get("AMPLIFIER_TEST_REDIS_URL")
    if url:
        yield url
        return
    root: Path = tmp_path_factory.mktemp("redis")
    with Stack(root / "logs") as stack:
        yield start_embedded_redis(stack, root / "data")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    if not POSTGRES_URL:
        pytest.skip("set AMPLIFIER_TEST_POSTGRES_URL to run the PostgreSQL variant")
    engine = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "amplifier.sqlite3"
        shutil.copy(sqlite_template, path)
        db = Database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    url = request.getfixturevalue("postgres_migrated")
    db = Database(url)
    # Emptied before as well as after: the fault suite shares this schema (it drops and re-creates
    # it per run) and leaves its last run's rows behind for whichever test comes next.
    _empty_tables(db)
    yield db
    _empty_tables(db)
    db.dispose()


def _empty_tables(db: Database) -> None:
    with db.engine.begin() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def make_settings(
    tmp_path: Path, db_url: str, sandbox: RunningSandbox | None, **extra: object
) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": tmp_path,
        "database_url": db_url,
        "token_keys": generate_fernet_key(),
        "signing_key": new_secret(16),
        "mastodon_allow_http": True,
        "platform_timeout_s": 5.0,
        # most tests run as a private deployment; tests of moderation turn this off
        "moderation_auto_approve": True,
        # the older tests pledge one text from many sandbox X accounts; the similarity check is
        # on in the tests of it (tests/app/test_posting_modes.py) and in the demo
        "x_allow_similar_texts": True,
        # pages as they are now: tests check a change shows at once; the cache's own tests
        # (tests/web/test_page_cache.py) turn it on
        "web_page_cache_s": 0.0,
    }
    if sandbox is not None:
        values.update(
            x_client_id="test-x-client",
            x_client_secret=sandbox.x_client_secret,
            x_api_base=sandbox.x_url,
            x_authorize_url=f"{sandbox.x_url}/i/oauth2/authorize",
            x_web_base=sandbox.x_url,
            mastodon_suggested_instance=sandbox.mastodon_urls[0],
            facebook_pages_client_id=sandbox.facebook_pages_client_id,
            facebook_pages_client_secret=sandbox.facebook_pages_client_secret,
            facebook_pages_graph_base=sandbox.facebook_pages_url,
            facebook_pages_dialog_base=sandbox.facebook_pages_url,
            facebook_pages_web_base=sandbox.facebook_pages_url,
            threads_client_id=sandbox.threads_client_id,
            threads_client_secret=sandbox.threads_client_secret,
            threads_graph_base=sandbox.threads_url,
            threads_authorize_url=f"{sandbox.threads_url}/oauth/authorize",
            threads_web_base=sandbox.threads_url,
        )
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def runtime(tmp_path: Path, database: Database, sandbox: RunningSandbox) -> Iterator[Runtime]:
    settings = make_settings(tmp_path, database.url, sandbox)
    rt = Runtime.from_settings(settings)
    rt.db.dispose()
    rt.db = database
    yield rt


class LiveWeb:
    def __init__(self, rt: Runtime) -> None:
        from amplifier.web.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        rt.settings.public_url = self.url
        config = uvicorn_config(
            create_app(rt), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def web(runtime: Runtime) -> Iterator[LiveWeb]:
    live = LiveWeb(runtime)
    yield live
    live.stop()
