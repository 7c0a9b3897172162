"""The server is layer 2: it imports the runtime and the status vocabulary, nothing above them,
and costs nothing until it is used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import qrt_jupyter

PACKAGE = Path(qrt_jupyter.__file__).parent
ALLOWED = {"qrt_jupyter.runtime", "qrt_jupyter.status", "qrt_jupyter._version", "qrt_jupyter.server"}


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_server_imports_only_the_runtime_and_status():
    for path in (PACKAGE / "server").rglob("*.py"):
        package = "qrt_jupyter." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qrt_jupyter"):
                target = node.module
            else:
                continue
            assert any(target == a or target.startswith(a + ".") for a in ALLOWED), (path.name, target)


def test_importing_the_server_package_and_the_token_commands_stay_cheap(tmp_path):
    out = _run(
        "import sys\n"
        "import qrt_jupyter.server\n"
        "from qrt_jupyter.server.cli import main\n"
        f"main(['token', 'list', '--home', {str(tmp_path)!r}])\n"
        "heavy = [m for m in ('starlette', 'uvicorn', 'qiskit', 'qiskit_ibm_runtime', 'IPython') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    assert "HEAVY []" in out


def test_after_start_up_handler_threads_may_transpile_and_nothing_above_layer_2_is_loaded():
    """qiskit-ibm-runtime 0.51 imported first on one thread made a transpile on another crash the
    process (qiskit 2.6.2); the server imports it on the main thread at start-up (``preload``).
    This runs, after that start-up, what handler threads of the thread pool would do."""
    out = _run(
        "import sys, threading\n"
        "from qrt_jupyter.server import app, serve, routes, openapi\n"
        "serve.preload()\n"
        "def load():\n    import qiskit_ibm_runtime  # noqa\n"
        "def compile_bell():\n"
        "    from qiskit import QuantumCircuit, transpile\n"
        "    from qiskit_ibm_runtime.fake_provider import FakeManilaV2\n"
        "    qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()\n"
        "    print('OPS', sorted(transpile(qc, FakeManilaV2()).count_ops()))\n"
        "for target in (load, compile_bell):\n"
        "    t = threading.Thread(target=target); t.start(); t.join()\n"
        "above = [m for m in sys.modules if m.startswith(('qrt_jupyter.monitor', 'qrt_jupyter.widgets',\n"
        "         'qrt_jupyter.magics', 'qrt_jupyter.ibm', 'qrt_jupyter.remote', 'IPython', 'ipywidgets'))]\n"
        "print('ABOVE', above)\n"
    )
    assert "ABOVE []" in out and "'cx'" in out
