"""Fixtures for end-to-end tests: a real Jupyter server, a real Chromium, a real kernel.

The pieces, from the outside in:

- ``lab_server`` / ``notebook_server`` (session scope): ``jupyter lab`` or
  ``jupyter notebook`` (Notebook 7) in a subprocess on 127.0.0.1, a free port
  and a random token. Its root directory is a temporary copy of ``notebooks/``
  plus ``tests/e2e/notebooks/``, so a test may run and save a notebook without
  touching the repository. Every Jupyter directory points into a temporary
  directory, and every kernel gets a fresh ``QRT_HOME`` of its own (a startup
  file in the server's private IPython profile), so a test sees only the jobs
  of the notebook it runs, whatever ran before. The only kernelspec it sees is
  ``python3`` running *this* interpreter (the venv's), whatever else is
  installed on the machine.
  The server log is kept under ``test-artifacts/e2e/``. Teardown asks the
  server to shut down (which stops its kernels), then terminates whatever is
  left of the process tree, so no kernel or runtime worker outlives the tests.
- ``browser`` (session scope): Debian's Chromium driven by Python playwright.
  Tests are skipped, not failed, when Chromium is missing; run
  ``.ci/debian-deps.sh`` to install it.
- ``lab`` / ``nb7`` (per test): a fresh browser context and page wrapped in
  :class:`NotebookPage`, which knows how a person works a notebook: open it,
  wait for the kernel, *Run > Run All Cells*, look at the outputs, take a
  screenshot. A screenshot of the final state (and one marked ``FAILED`` when
  the test failed) and the browser console are saved per test.

Waiting is always "wait until the page shows X" with generous timeouts;
nothing asserts on how long anything took.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# The notebooks under tests/e2e/notebooks/ are fixtures for the browser tests,
# not tutorials: keep `pytest --nbval-lax tests` from running them on their own.
collect_ignore_glob = ["notebooks/*.ipynb"]

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
E2E_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
ARTIFACTS = Path(os.environ.get("QRT_TEST_ARTIFACTS", REPO / "test-artifacts")) / "e2e"

CHROMIUM = os.environ.get("QRT_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 900}

# Generous upper bounds for "wait until"; they only matter when something is broken.
SERVER_START_TIMEOUT = 90  # seconds
UI_TIMEOUT = 60_000  # ms: page load, kernel start, menus
RUN_ALL_TIMEOUT = 300_000  # ms: a whole tutorial notebook on 2 busy cores

# JupyterLab / Notebook 7 user settings for the test profile: no news toast on
# top of the notebook, and every cell attached to the DOM (the default
# windowing modes detach or skip rendering of off-screen cells, which would hide
# outputs from the assertions and give plotly a zero-sized box to draw in).
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
}


# --------------------------------------------------------------------------- servers

KERNEL_HOME_STARTUP = """\
# Written by tests/e2e/conftest.py: a fresh QRT_HOME for every kernel of the test server.
import os as _os, tempfile as _tempfile
if _os.environ.get("QRT_E2E_HOMES"):
    _os.environ["QRT_HOME"] = _tempfile.mkdtemp(prefix="kernel-", dir=_os.environ["QRT_E2E_HOMES"])
del _os, _tempfile
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _project_importable() -> bool:
    """Whether the kernel's interpreter can import qrt_jupyter without help."""
    probe = subprocess.run(
        [sys.executable, "-c", "import qrt_jupyter"],
        cwd="/",
        capture_output=True,
    )
    return probe.returncode == 0


class JupyterServer:
    """One ``jupyter lab`` or ``jupyter notebook`` process and its private world."""

    def __init__(self, app: str, workdir: Path, log_path: Path):
        assert app in ("lab", "notebook")
        self.app = app
        self.workdir = workdir
        self.root = workdir / "root"
        self.qrt_home = workdir / "qrt_home"
        self.log_path = log_path
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._log = None

    # -- set-up

    def _prepare(self) -> dict:
        shutil.copytree(
            NOTEBOOKS,
            self.root,
            ignore=shutil.ignore_patterns("*.executed.*", ".ipynb_checkpoints"),
        )
        if E2E_NOTEBOOKS.is_dir():
            shutil.copytree(E2E_NOTEBOOKS, self.root / "e2e")
        self.qrt_home.mkdir()
        # Each kernel its own job store: tests must not see each other's jobs.
        startup = self.workdir / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-qrt-home.py").write_text(KERNEL_HOME_STARTUP)

        # The only kernelspec: python3 = this interpreter (the project's venv).
        data_path = self.workdir / "jupyter_path"
        kernel_dir = data_path / "kernels" / "python3"
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (qrt_jupyter venv)",
                    "language": "python",
                    "metadata": {"debugger": True},
                },
                indent=1,
            )
        )

        # The default user-settings place under our JUPYTER_CONFIG_DIR: Notebook 7's
        # page reads settings through JupyterLab's handler, which looks here (an
        # app-specific --user_settings_dir would be missed by one of the two).
        settings = self.workdir / "jupyter_config" / "lab" / "user-settings"
        for rel, values in USER_SETTINGS.items():
            target = settings / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values, indent=1))

        env = dict(os.environ)
        for var in ("JUPYTER_TOKEN", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH"):
            env.pop(var, None)
        env.update(
            QRT_HOME=str(self.qrt_home),
            QRT_E2E_HOMES=str(self.qrt_home),
            QRT_E2E_PYTHON=sys.executable,
            JUPYTER_PATH=str(data_path),
            JUPYTER_CONFIG_DIR=str(self.workdir / "jupyter_config"),
            JUPYTER_DATA_DIR=str(self.workdir / "jupyter_data"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "jupyter_runtime"),
            IPYTHONDIR=str(self.workdir / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        if not _project_importable():
            # Not `pip install -e`'d (yet): let the kernel import the checkout.
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(REPO), env.get("PYTHONPATH", "")) if p
            )
        return env

    def _argv(self) -> list[str]:
        app_class = "LabApp" if self.app == "lab" else "JupyterNotebookApp"
        module = "jupyterlab" if self.app == "lab" else "notebook"
        argv = [
            sys.executable,
            "-m",
            module,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            "--KernelSpecManager.ensure_native_kernel=False",
            f"--{app_class}.workspaces_dir={self.workdir / 'workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.append("--allow-root")  # CI containers run as root
        return argv

    def start(self) -> "JupyterServer":
        env = self._prepare()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self._argv(),
            cwd=self.root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, for teardown
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter {self.app} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                if self.api("GET", "/api/status") is not None:
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not come up:\n{self.log_tail()}")

    # -- use

    def api(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        return json.loads(text) if text else {}

    def lab_url(self, path: str, workspace: str) -> str:
        """A fresh workspace (``?reset``) showing one notebook, as a person would open it."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def notebook_url(self, path: str) -> str:
        return f"{self.url}/notebooks/{path}?token={self.token}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- teardown

    def stop(self) -> None:
        if self.proc is None:
            return
        tree = []
        try:
            import psutil

            tree = psutil.Process(self.proc.pid).children(recursive=True)
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                self.api("POST", "/api/shutdown")  # stops kernels cleanly
            except Exception:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._signal_group(signal.SIGKILL)
                    self.proc.wait(timeout=10)
        # Kernels run in their own sessions and runtime workers below them:
        # anything of the tree still alive now would leak past the test run.
        for child in tree:
            try:
                if child.is_running():
                    child.terminate()
            except Exception:
                pass
        if tree:
            try:
                import psutil

                _, alive = psutil.wait_procs(tree, timeout=10)
                for child in alive:
                    child.kill()
            except Exception:
                pass
        if self._log:
            self._log.close()
        self.proc = None

    def _signal_group(self, sig) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass


def _server_fixture(app: str, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"jupyter-{app}")
    server = JupyterServer(app, workdir, ARTIFACTS / f"jupyter-{app}-server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, chromium_available):
    yield from _server_fixture("lab", tmp_path_factory)


@pytest.fixture(scope="session")
def notebook_server(tmp_path_factory, chromium_available):
    yield from _server_fixture("notebook", tmp_path_factory)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_available():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found: install it with .ci/debian-deps.sh")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("python playwright is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_available, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item, so fixtures can see a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _artifact_stem(node) -> str:
    name = node.name if node.cls is None else f"{node.cls.__name__}.{node.name}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _page_fixture(request, browser, server, kind: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = _artifact_stem(request.node)
    for old in ARTIFACTS.glob(f"{stem}-*"):  # screenshots of an earlier run would mislead
        old.unlink()
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    nb = NotebookPage(page, server, kind, stem, console)
    try:
        yield nb
    finally:
        failed = getattr(request.node, "rep_call", None)
        failed = failed is not None and failed.failed
        try:
            nb.screenshot("FAILED" if failed else "final")
        except Exception:
            pass
        (ARTIFACTS / f"{nb.stem}-console.log").write_text("\n".join(console) + "\n")
        try:
            nb.shutdown_kernel()
        except Exception:
            pass
        context.close()


@pytest.fixture
def lab(request, browser, lab_server):
    """A JupyterLab page (fresh browser context) as a :class:`NotebookPage`."""
    yield from _page_fixture(request, browser, lab_server, "lab")


@pytest.fixture
def nb7(request, browser, notebook_server):
    """A Notebook 7 page (fresh browser context) as a :class:`NotebookPage`."""
    yield from _page_fixture(request, browser, notebook_server, "notebook")


# --------------------------------------------------------------------------- page helpers

# Run after "Run All Cells" (which first marks every cell it will run with
# [*]): true once nothing is queued or running any more and some cell has an
# execution count. Run All stops at the first error and turns the prompts of
# the cells it did not reach back to [ ]; ``assert_all_cells_ran`` tells the two
# endings apart.
_RUN_FINISHED_JS = """
(nb) => {
  const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
  return !prompts.some(p => p.includes('*')) && prompts.some(p => /\\d/.test(p));
}
"""


# Scroll the notebook's scroll container to the top and say how much of it is
# hidden below the window. Lab scrolls `.jp-WindowedPanel-outer`; Notebook 7
# scrolls its main panel.
_SCROLL_TO_TOP_JS = """
() => {
  let hidden = 0;
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return 0;
  for (let node = panel.querySelector('.jp-Cell'); node; node = node.parentElement) {
    if (node.scrollHeight > node.clientHeight + 1) {
      hidden = Math.max(hidden, node.scrollHeight - node.clientHeight);
      node.scrollTop = 0;
    }
  }
  return hidden;
}
"""


# Keeps, per job widget (``.qrt-job``, keyed by its job id), every distinct
# (status, distinct line points, bars) it has shown, in order: what a person watching
# the page would have seen, however quickly it passed. The plots are the
# widget's siblings in its VBox.
_RECORD_JOB_WIDGETS_JS = """
() => {
  if (window.__qrtJobs) return;
  window.__qrtJobs = {};
  const record = () => {
    for (const job of document.querySelectorAll('.qrt-job')) {
      const id = (job.querySelector('.qrt-job-id') || {}).textContent;
      if (!id) continue;
      const box = job.closest('.widget-vbox') || job.parentElement;
      // distinct (series, x) points drawn, from each plot's own data: a line drawn in
      // segments repeats its joining points, which vanish again when segments merge
      const drawn = new Set();
      for (const gd of box.querySelectorAll('.js-plotly-plot')) {
        for (const trace of gd.data || []) {
          if (trace.type && trace.type !== 'scatter') continue;
          for (const x of trace.x || []) drawn.add(`${trace.name}|${x}`);
        }
      }
      const state = [
        job.dataset.status || '',
        drawn.size,
        box.querySelectorAll('.barlayer .point').length,
      ];
      const seen = (window.__qrtJobs[id] = window.__qrtJobs[id] || []);
      const last = seen[seen.length - 1];
      if (!last || last.some((v, i) => v !== state[i])) seen.push(state);
    }
  };
  new MutationObserver(record).observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-status'],
  });
  record();
}
"""


class NotebookPage:
    """A notebook open in JupyterLab or Notebook 7, worked the way a person would."""

    def __init__(self, page, server: JupyterServer, kind: str, stem: str, console: list[str]):
        self.page = page
        self.server = server
        self.kind = kind
        self.stem = stem
        self.console = console
        self.path: str | None = None
        self._shots = 0

    # -- locators

    @property
    def notebook(self):
        """The notebook of the current (visible) notebook panel."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first

    @property
    def code_cells(self):
        return self.notebook.locator(".jp-CodeCell")

    @property
    def outputs(self):
        return self.notebook.locator(".jp-OutputArea-output")

    @property
    def widgets(self):
        """Every ipywidgets/anywidget view rendered in an output."""
        return self.notebook.locator(".jp-OutputArea-output .jupyter-widgets")

    def cell_output(self, index: int):
        """Output area of the ``index``-th code cell (0-based, code cells only)."""
        return self.code_cells.nth(index).locator(".jp-OutputArea")

    def cell_with_source(self, text: str):
        """The code cell whose source contains ``text``."""
        return self.code_cells.filter(has=self.page.locator(".jp-InputArea-editor", has_text=text)).first

    # -- actions

    def open(self, path: str) -> "NotebookPage":
        """Open ``path`` (relative to the server root) and wait for an idle kernel."""
        self.path = path
        if self.kind == "lab":
            workspace = re.sub(r"[^A-Za-z0-9]+", "-", self.stem).strip("-").lower() or "e2e"
            url = self.server.lab_url(path, workspace)
        else:
            url = self.server.notebook_url(path)
        self.page.goto(url)
        self.notebook.locator(".jp-Cell").first.wait_for(state="visible")
        if self.kind == "lab":
            # Fold the file browser away: more room for the notebook in screenshots.
            current = self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
            if current.count():
                current.first.click()
        self.wait_for_kernel_idle()
        return self

    def wait_for_kernel_idle(self, timeout: float = UI_TIMEOUT) -> None:
        """Until this notebook's kernel is connected and idle, and the page says so.

        The toolbar's indicator alone is not enough: it reads "idle" for a
        moment before the session even exists. So first the server must report
        the notebook's kernel idle with the page's websocket attached, then the
        indicator in the notebook toolbar must say idle.
        """
        deadline = time.monotonic() + timeout / 1000
        while True:
            kernel = self._kernel()
            if kernel and kernel.get("execution_state") == "idle" and kernel.get("connections", 0) > 0:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"kernel of {self.path} not idle and connected: {kernel}")
            self.page.wait_for_timeout(250)
        self.page.locator(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"
        ).first.wait_for(state="attached", timeout=timeout)

    def _kernel(self) -> dict | None:
        """The server's record of this notebook's kernel (None before its session exists)."""
        for session in self.server.api("GET", "/api/sessions"):
            if self.path and session.get("path") == self.path and session.get("kernel"):
                return self.server.api("GET", f"/api/kernels/{session['kernel']['id']}")
        return None

    def menu(self, menu: str, command: str) -> None:
        """Click ``menu`` in the menu bar, then the item that runs ``command``."""
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{re.escape(menu)}$")).first.click()
        self.page.locator(f".lm-Menu-item[data-command='{command}']").first.click()

    def clear_all_outputs(self) -> None:
        self.menu("Edit", "editmenu:clear-all")

    def run_all(self, timeout: float = RUN_ALL_TIMEOUT) -> None:
        """*Run > Run All Cells*, then wait until the run is over (finished or failed)."""
        self.wait_for_kernel_idle()
        self.clear_all_outputs()
        self.menu("Run", "runmenu:run-all")
        self.page.wait_for_function(
            _RUN_FINISHED_JS, arg=self.notebook.element_handle(), timeout=timeout, polling=250
        )
        self.wait_for_kernel_idle(timeout=timeout)

    def shutdown_kernel(self) -> None:
        """Stop this page's kernel through the REST API, so tests don't pile them up."""
        for session in self.server.api("GET", "/api/sessions"):
            if self.path and session.get("path", "").endswith(self.path):
                self.server.api("DELETE", f"/api/sessions/{session['id']}")

    # -- what a person sees

    def record_job_widgets(self) -> None:
        """Start keeping the history of every job widget (call before running cells)."""
        self.page.evaluate(_RECORD_JOB_WIDGETS_JS)

    def job_widget_history(self) -> dict[str, list[tuple[str, int, int]]]:
        """job id -> the distinct (status, scatter points, bars) its widget showed, in order."""
        seen = self.page.evaluate("() => window.__qrtJobs || {}")
        return {job_id: [tuple(state) for state in states] for job_id, states in seen.items()}

    @property
    def job_widgets(self):
        """The header of every job widget (``js/job.js``); ``data-status`` holds the status."""
        return self.notebook.locator(".qrt-job")

    def job_box(self, header):
        """The job widget's whole view (header and plots) around ``header``."""
        return header.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")

    def wait_for_job_status(self, header, *statuses: str, timeout: float = RUN_ALL_TIMEOUT) -> str:
        """Until the widget's status badge shows one of ``statuses``; returns it."""
        pattern = "|".join(re.escape(s) for s in statuses)
        header.locator(".qrt-badge").filter(has_text=re.compile(rf"^({pattern})$")).wait_for(timeout=timeout)
        return header.locator(".qrt-badge").text_content()

    def plot(self, container, title: str):
        """The plotly plot titled ``title`` inside ``container``."""
        return container.locator(".js-plotly-plot").filter(
            has=self.page.locator(".gtitle", has_text=title)
        ).first

    @staticmethod
    def drawn_marks(plot) -> dict:
        """How many scatter points and bars of non-zero size ``plot`` has drawn, and its x labels."""
        return plot.evaluate(
            """(el) => {
              const sized = (nodes) => [...nodes].filter(n => {
                const box = n.getBBox ? n.getBBox() : n.getBoundingClientRect();
                return box.width > 0 && box.height > 0;
              }).length;
              return {
                points: sized(el.querySelectorAll('.scatterlayer .point')),
                bars: sized(el.querySelectorAll('.barlayer .point path')),
                traces: el.querySelectorAll('.trace').length,
                xticks: [...el.querySelectorAll('.xtick text')].map(t => t.textContent),
              };
            }"""
        )

    def prompts(self) -> list[str]:
        return [t.strip() for t in self.code_cells.locator(".jp-InputPrompt").all_inner_texts()]

    def output_text(self) -> str:
        return "\n".join(self.outputs.all_inner_texts())

    def tracebacks(self) -> list[str]:
        """Text of every output that shows an error: a traceback or an ``XxxError:`` line.

        Errors and stderr are both rendered as ``application/vnd.jupyter.stderr``;
        warnings on stderr are not errors, so look at the text.
        """
        texts = self.notebook.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()
        return [
            t for t in texts
            if "Traceback (most recent call last)" in t or re.search(r"^(\w+\.)*\w*(Error|Exception)\b:", t, re.M)
        ]

    def assert_all_cells_ran(self) -> None:
        prompts = self.prompts()
        sources = [t.strip() for t in self.code_cells.locator(".jp-InputArea-editor").all_inner_texts()]
        not_run = [i for i, (p, s) in enumerate(zip(prompts, sources)) if s and not re.search(r"\d", p)]
        assert not self.tracebacks(), "traceback in outputs:\n" + "\n----\n".join(self.tracebacks())[:4000]
        assert not not_run, f"code cells {not_run} did not run; prompts: {prompts}"

    def assert_no_traceback(self) -> None:
        errors = self.tracebacks()
        assert not errors, "traceback in outputs:\n" + "\n----\n".join(errors)[:4000]

    def screenshot(self, label: str, locator=None, full: bool = True) -> Path:
        """Save ``test-artifacts/e2e/<test>-NN-<label>.png``.

        With a ``locator``, just that element; otherwise the window, stretched
        (``full``) to the height of the notebook so that every cell is on it.
        """
        self._shots += 1
        path = ARTIFACTS / f"{self.stem}-{self._shots:02d}-{label}.png"
        if locator is not None:
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(path))
            return path
        if not full:
            self.page.screenshot(path=str(path))
            return path
        height = self.page.evaluate(_SCROLL_TO_TOP_JS)
        extra = max(0, min(int(height or 0), 12_000))
        try:
            if extra:
                self.page.set_viewport_size({"width": VIEWPORT["width"], "height": VIEWPORT["height"] + extra})
                self.page.wait_for_timeout(300)  # let plotly/lumino relayout to the new size
            self.page.screenshot(path=str(path))
        finally:
            if extra:
                self.page.set_viewport_size(VIEWPORT)
        return path
