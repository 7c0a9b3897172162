"""``%load_ext qrt_jupyter`` loads the magics and nothing of the layers below them.

The runtime (its store, scheduler, programs), the monitor and the widgets are
imported when a magic first needs them, so loading the extension in every
kernel costs only the magics' own modules. (test_magics.py checks that no
qiskit, aer or plotly is imported; this checks our own layers.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_load_ext_imports_no_runtime_monitor_or_widget_modules(tmp_path):
    code = textwrap.dedent(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        ip.run_line_magic("load_ext", "qrt_jupyter")
        ip.run_line_magic("qrt_service", "")
        ip.run_line_magic("pinfo", "%qrt_run")
        loaded = sorted(m for m in sys.modules if m.startswith(("qrt_jupyter.runtime", "qrt_jupyter.monitor",
                                                               "qrt_jupyter.ibm", "qrt_jupyter.widgets.")))
        print("LOADED", loaded)
        """
    )
    env = dict(os.environ, QRT_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "LOADED ['qrt_jupyter.widgets.status_line']" in out.stdout, out.stdout
