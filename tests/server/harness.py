"""A real ``qrt-runtime serve`` subprocess on 127.0.0.1, for the server's tests and the client's.

``ServerProcess(home)`` starts ``python -m qrt_jupyter.server serve --home HOME --port 0``
(PYTHONPATH is inherited, so it runs this tree's code), waits for the one
"serving" line, and knows the URL; ``stop()`` sends SIGTERM to its pid and falls
back to SIGKILL. ``create_token`` uses the CLI, as a person would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

START_SECONDS = 120.0
_SERVING = re.compile(r"^qrt-runtime serving (https?://\S+) \(home (.+)\)$")


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``qrt-runtime ARGS`` as a subprocess; stdout and stderr captured."""
    done = subprocess.run([sys.executable, "-m", "qrt_jupyter.server", *args], capture_output=True,
                          text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"qrt-runtime {' '.join(args[:2])} failed ({done.returncode}): {done.stderr}")
    return done


def create_token(home: Path, name: str, *roles: str) -> str:
    role_args = [arg for role in roles for arg in ("--role", role)]
    out = cli("token", "create", name, *role_args, "--home", str(home)).stdout
    lines = out.splitlines()
    assert len(lines) == 1, f"token create printed {len(lines)} lines on stdout"
    return lines[0]


class ServerProcess:
    """One server subprocess; its stdout and stderr go to files in ``logs``."""

    def __init__(self, home: Path, logs: Path, *extra: str):
        self.home = Path(home)
        logs.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.time_ns()}"
        self.stdout_path = logs / f"server-{stamp}.out"
        self.stderr_path = logs / f"server-{stamp}.err"
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "qrt_jupyter.server", "serve", "--home", str(home), "--port", "0",
                 *extra], stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.url = self._wait_serving()

    def _wait_serving(self) -> str:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            lines = self.stdout_path.read_text().splitlines()
            for line in lines:
                match = _SERVING.match(line)
                if match:
                    return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the server did not start: {self.stderr_path.read_text()[-3000:]}")

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http"):]

    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM by pid, SIGKILL if it does not exit within ``timeout``; the exit code."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(30)
