"""A real, throwaway PostgreSQL server for the tests marked `postgres`.

MAGDAILY_TEST_DATABASE_URL, when set, names a server to use (its user must be allowed to
CREATE DATABASE). Otherwise one is started from the machine's PostgreSQL binaries
(`pg_config --bindir`, or the newest /usr/lib/postgresql/*/bin) in a temporary folder:
initdb with a password (so a wrong one can be tested), fsync off, listening on a free
loopback port only, run as the `postgres` user when the tests run as root (PostgreSQL
refuses to run as root). It is started once per session (about a second) and stopped at
its end; each test gets a fresh database.

Where neither is possible the tests are skipped with the reason — unless
MAGDAILY_REQUIRE_POSTGRES=1 (set by .ci/run), where the same reason is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

USER = "magdaily"
PASSWORD = "pg-test-Secret-7f3a91"
START_LIMIT = 30.0


class Unavailable(Exception):
    """Why no PostgreSQL server can be had here (the skip reason)."""


@dataclass(frozen=True)
class Server:
    """A server this session may create databases on."""

    admin_url: str  # connects to the `postgres` maintenance database

    def url(self, database: str, *, password: str | None = None) -> str:
        parts = urlsplit(self.admin_url)
        netloc = parts.netloc
        if password is not None:
            user = parts.username or USER
            netloc = f"{user}:{password}@{parts.hostname}:{parts.port or 5432}"
        return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))

    @property
    def port(self) -> int:
        return urlsplit(self.admin_url).port or 5432


def _bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        try:
            out = subprocess.run([found, "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and (Path(out) / "initdb").is_file() and (Path(out) / "postgres").is_file():
            return Path(out)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                        else 0)
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise Unavailable("no PostgreSQL binaries (initdb, postgres) found: install PostgreSQL "
                      "(apt-get install postgresql) or set MAGDAILY_TEST_DATABASE_URL")


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as; None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("running as root and there is no `postgres` user to run the test "
                          "server as (PostgreSQL refuses root)") from None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], bindir: Path, port: int, log: Path) -> None:
    """Until the server accepts connections (an open port alone may still be "starting up")."""
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"the test PostgreSQL server exited: {log.read_text()[-500:]}")
        ready = subprocess.run([str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1",
                                "-p", str(port), "-t", "1"], check=False, timeout=10)
        if ready.returncode == 0:
            return
        time.sleep(0.05)
    raise Unavailable(f"the test PostgreSQL server did not start within {START_LIMIT:g} s")


@contextlib.contextmanager
def local_server(*, durable: bool = False) -> Iterator[Server]:
    """initdb + postgres in a temporary folder, stopped and removed afterwards.

    For tests fsync, full-page writes and synchronous commit are off (nothing here must
    survive a crash); `durable` keeps PostgreSQL's defaults, so a benchmark measures the
    commits a real deployment pays for."""
    bindir = _bindir()
    account = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="magdaily-pg-"))
    data, log, pwfile = folder / "data", folder / "server.log", folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
        os.chown(pwfile, account.pw_uid, account.pw_gid)
    user = {"user": account.pw_uid, "group": account.pw_gid} if account else {}
    process: subprocess.Popen[bytes] | None = None
    try:
        done = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
             "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
            capture_output=True, timeout=120, check=False, cwd=folder, **user)
        if done.returncode != 0:
            raise Unavailable("initdb failed: " + done.stderr.decode(errors="replace")[-500:])
        port = _free_port()
        with log.open("wb") as log_file:
            if account is not None:
                os.chown(log, account.pw_uid, account.pw_gid)
            process = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                 "-h", "127.0.0.1", "-k", str(folder), "-c", "max_connections=300",
                 *(() if durable else ("-F", "-c", "synchronous_commit=off",
                                       "-c", "full_page_writes=off"))],
                # In the test run's process group: a killed run takes its server along.
                stdout=log_file, stderr=subprocess.STDOUT, cwd=folder, **user)
        _wait_ready(process, bindir, port, log)
        yield Server(f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres")
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: clients are disconnected
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def session_server() -> Iterator[Server]:
    """The server the postgres tests use; raises Unavailable with the reason."""
    given = os.environ.get("MAGDAILY_TEST_DATABASE_URL", "").strip()
    if given:
        parts = urlsplit(given)
        yield Server(urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, "")))
        return
    with local_server() as server:
        yield server


def required() -> bool:
    return os.environ.get("MAGDAILY_REQUIRE_POSTGRES", "").strip() in ("1", "true", "yes")
