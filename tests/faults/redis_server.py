"""A redis-server of a test's own, which the test stops and starts again.

It keeps nothing on disk (`--save "" --appendonly no`), so a restart comes back empty, as a
Redis restarted without persistence (or replaced by a new container) does: whatever was queued
in it is gone. Each server has its own port and folder, so that tests in parallel processes
(pytest-xdist) never meet; the `redis_server` fixture kills it at teardown, failed test or not.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.faults.postgres import free_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=5)

    def start(self) -> None:
        """Start it, on the same port as before if it ran already; wait until it answers."""
        command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.directory),
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start: {self.log()[-2000:]}")
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        """SHUTDOWN NOSAVE, as an operator stopping it would: everything in it is lost."""
        try:
            self.client().shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # it closes the connection as it goes
        self.process.wait(timeout=10)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def redis_server(tmp_path_factory):
    """A running private redis-server; skipped where there is none to start (CI has one)."""
    if REDIS_SERVER is None:
        pytest.skip("needs the redis-server program (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        try:
            server.start()
        except RuntimeError:  # another process took the free port first: once more, on another
            server.kill()
            server.port = free_port()
            server.start()
        yield server
    finally:
        server.kill()
