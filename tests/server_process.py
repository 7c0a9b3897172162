"""A real qrt-runtime server on 127.0.0.1 for tests: one subprocess, tokens made with its CLI.

Started with ``python -m qrt_jupyter.server serve --home H --port 0`` (a free port the
server picks), its URL read from the "qrt-runtime serving URL" line, stopped by its pid.
The subprocess inherits PYTHONPATH, so it runs the code of the tree under test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

START_SECONDS = 180.0  # two cores shared by many test runs: the server imports qiskit first
SERVING = re.compile(r"qrt-runtime serving (https?://\S+)")


def create_token(home: Path, name: str, *roles: str) -> str:
    """``qrt-runtime token create NAME --role ...``: the token is the one line it prints."""
    args = [sys.executable, "-m", "qrt_jupyter.server", "token", "create", name, "--home", str(home)]
    for role in roles:
        args += ["--role", role]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True, env=_env(), cwd=os.environ.get("DEV_SERVER_PATH"))
    return done.stdout.strip()


@dataclass
class ServerProcess:
    home: Path
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    def start(self, *extra: str) -> "ServerProcess":
        log = open(self.home / "server.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qrt_jupyter.server", "serve", "--home", str(self.home), "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=log, text=True, env=_env(), cwd=os.environ.get("DEV_SERVER_PATH"),
        )
        log.close()
        found = threading.Event()

        def read() -> None:
            for line in self.process.stdout:
                self.output.append(line)
                match = SERVING.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(START_SECONDS):
            self.stop()
            raise RuntimeError(f"the server did not start; its log: {(self.home / 'server.log').read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_text(self) -> str:
        return (self.home / "server.log").read_text() + "".join(self.output)


def start_server(home: Path) -> ServerProcess:
    """A server on ``home`` with three tokens: ``writer`` (writer+reader), ``reader``, ``writeonly``."""
    home.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(home)
    server.tokens = {
        "writer": create_token(home, "person", "writer", "reader"),
        "reader": create_token(home, "auditor", "reader"),
        "writeonly": create_token(home, "ci", "writer"),
    }
    return server.start()


def _env():
    env = dict(os.environ)
    if os.environ.get("DEV_SERVER_PATH"):
        env["PYTHONPATH"] = os.environ["DEV_SERVER_PATH"]
    return env
