"""Servers the tests start themselves on loopback: PostgreSQL and the studio app."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql; run `bash scripts/test.sh`, which installs them")
    return candidates[0].parent


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on 127.0.0.1:<free port>; yields its URL."""
    bindir = _postgres_bin()
    data = Path(tempfile.mkdtemp(prefix="studio-pg-"))
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    try:
        subprocess.run(prefix + [str(bindir / "initdb"), "-D", str(data / "db"), "-U", "studio", "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
        subprocess.run(
            prefix + [str(bindir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-t", "60",
                      "-o", f"-h 127.0.0.1 -p {port} -k {data}", "start"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://studio@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the tests' PostgreSQL server; returns its URL."""
    import sqlalchemy as sa

    from studio import meta

    engine = sa.create_engine(meta.normalize_url(server_url), isolation_level="AUTOCOMMIT")
    database = name.lower().replace("-", "_")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + database


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def app_server(workspace_dir: Path) -> Iterator[str]:
    """`studio app` on a free loopback port, on ``workspace_dir``; yields the base URL."""
    port = free_port()
    log = open(workspace_dir.parent / f"app-{port}.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "studio.cli", "app", "--workspace", str(workspace_dir), "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_http(f"http://localhost:{port}/_stcore/health")
        yield f"http://localhost:{port}"
    finally:
        # The server runs in its own session: stop the whole group, leaving nothing behind.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
