"""A private, throw-away PostgreSQL cluster for the tests, and a fresh database per test.

Started the same way as .ci/run does it: `initdb` + `pg_ctl start` on 127.0.0.1 and a free port, in a
temporary folder, as the `postgres` user when we are root (PostgreSQL refuses to run as root). Used by
tests/conftest.py when TEST_POSTGRES_URL is not set but the server's binaries are installed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

PG_USER = "postgres"  # the OS user that runs the server as root, and the cluster's superuser
# Durability is worthless for a throw-away cluster; skipping fsync makes CREATE DATABASE and commits cheap.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class ClusterError(RuntimeError):
    pass


def find_bin(name: str) -> str | None:
    """`initdb`, `pg_ctl`, ... on PATH, else in Debian's /usr/lib/postgresql/<version>/bin (newest)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda p: int(v) if (v := Path(p).parts[-3]).isdigit() else -1)
    return candidates[-1] if candidates else None


def available() -> bool:
    return find_bin("initdb") is not None and find_bin("pg_ctl") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg(cmd: list[str]) -> list[str]:
    """As root, run `cmd` as the postgres user; otherwise as ourselves."""
    return ["runuser", "-u", PG_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], log: Path | None = None) -> None:
    done = subprocess.run(_as_pg(cmd), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise ClusterError(
            f"{' '.join(cmd[:1])} exited {done.returncode}:\n{done.stdout}{done.stderr}{server_log}"
        )


@dataclass
class Cluster:
    """A running private cluster; `url` points at its `postgres` maintenance database."""

    root: Path
    port: int
    pg_ctl: str

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> Cluster:
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        if not (initdb and pg_ctl):
            raise ClusterError("initdb/pg_ctl not found (on PATH or in /usr/lib/postgresql/*/bin)")
        # /tmp, not $TMPDIR: the postgres user must be able to reach it (and unix socket paths are short).
        root = Path(tempfile.mkdtemp(prefix="studybuddy-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
        try:
            if os.geteuid() == 0:
                try:
                    pw = pwd.getpwnam(PG_USER)
                except KeyError:
                    raise ClusterError(f"running as root but there is no {PG_USER!r} user") from None
                os.chown(root, pw.pw_uid, pw.pw_gid)
            _run([initdb, "-D", str(root / "data"), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            cluster = cls(root, free_port(), pg_ctl)
            log = root / "server.log"
            opts = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {root} {FAST}"
            _run(
                [pg_ctl, "-D", str(cluster.data), "-l", str(log), "-w", "-t", "60", "start", "-o", opts], log
            )
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def stop(self) -> None:
        try:
            _run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _dsn(url: str) -> str:
    """A SQLAlchemy URL (postgresql+asyncpg://...) as the plain DSN asyncpg takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """CREATE DATABASE test_<random> on the server of `server_url`, yield its URL, then drop it."""
    import asyncpg

    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = make_url(server_url).set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_dsn(server_url))
        try:
            # FORCE (PostgreSQL 13+): a test that leaked a connection must not leak its database too.
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
