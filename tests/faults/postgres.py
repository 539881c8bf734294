"""A private PostgreSQL cluster that a fault test may stop and start at will.

Debian's initdb and pg_ctl (the newest /usr/lib/postgresql/<version>/bin) make a throwaway
cluster: a temporary folder, a free port on 127.0.0.1, its socket in that folder, trust
authentication, fsync off (a clean stop still writes everything; only a machine crash could lose
data, and no test crashes the machine). The shared server on 127.0.0.1:5432 is never touched.

PostgreSQL refuses to run as root, and tests here often run as root (CI does): then the cluster
belongs to the `postgres` OS user, whose commands go through runuser, and it lives in a folder of
its own under the system's temporary folder, because pytest's are open to root alone.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

POSTGRES_LIB = Path("/usr/lib/postgresql")
OS_USER_WHEN_ROOT = "postgres"
START_ATTEMPTS = 3  # a free port may be taken by someone else before the server binds it
SERVER_OPTIONS = "-c fsync=off -c full_page_writes=off -c max_connections=50"


class ClusterError(RuntimeError):
    """The private cluster could not be made, started or stopped; the message has its log."""


def postgres_bin() -> Path:
    versions = sorted(
        (path for path in POSTGRES_LIB.glob("*/bin") if (path / "pg_ctl").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not versions:
        raise ClusterError(f"No PostgreSQL server programs under {POSTGRES_LIB} (Debian's postgresql).")
    return versions[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """initdb, start, stop, start again, destroy. Use as a context manager, or call destroy()."""

    def __init__(self):
        self.bin = postgres_bin()
        self.run_as = OS_USER_WHEN_ROOT if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="kavshiri-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        if self.run_as:
            owner = pwd.getpwnam(self.run_as)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)

    # -- the cluster's life ----------------------------------------------------------------------
    def init(self) -> PrivatePostgres:
        self._run(
            "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        return self

    def start(self) -> None:
        """Start on the port it had, or on a free one the first time."""
        for attempt in range(START_ATTEMPTS):
            port = self.port or free_port()
            options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 {SERVER_OPTIONS}"
            try:
                self._run("pg_ctl", "start", "-w", "-t", "30", "-D", self.data, "-l", self.log, "-o", options)
            except ClusterError:
                if self.port or attempt == START_ATTEMPTS - 1:
                    raise
                continue
            self.port = port
            return

    def stop(self, mode: str = "fast") -> None:
        """fast: open transactions are rolled back and clients cut off, as at a restart."""
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", self.data)

    def destroy(self) -> None:
        """Stop it whatever state it is in, then remove every file of it."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop(mode="immediate")
            except ClusterError:
                self._kill_postmaster()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        return self

    def __exit__(self, *exc_info) -> None:
        self.destroy()

    # -- using it --------------------------------------------------------------------------------
    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            autocommit=True,
            connect_timeout=5,
        )

    def create_database(self, name: str) -> None:
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    # -- helpers ---------------------------------------------------------------------------------
    def _run(self, program: str, *args) -> None:
        command = [str(self.bin / program), *map(str, args)]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        # From the cluster's folder: runuser keeps the working directory, which the postgres user
        # may not be allowed to enter.
        done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise ClusterError(
                f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                f"server log:\n{self.log_tail()}"
            )

    def _kill_postmaster(self) -> None:
        """pg_ctl starts the postmaster in a session of its own: its group is it and its backends."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.killpg(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass
