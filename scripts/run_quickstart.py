"""Run the quickstart notebook headless and keep the result: an executed notebook and an HTML copy.

    .venv/bin/python scripts/run_quickstart.py [NOTEBOOK] [--home DIR] [--timeout S]
                                               [--no-html] [--widget-state]

Executes ``notebooks/01_quickstart.ipynb`` (or NOTEBOOK) top to bottom with
nbclient on a kernel running this interpreter, against the embedded local
runtime, and writes ``<name>.executed.ipynb`` and ``<name>.executed.html``
next to it. Each job widget's output carries the job's final static summary
(status, times, result, and its plots as SVG), which is what the HTML page, and JupyterLab for a
notebook it does not trust, show in place of the live widget. Prints a short
summary; exits 1 if a cell fails (the files are still written, up to the
failing cell, to show what went wrong), 2 on bad arguments.

``--home DIR`` keeps the jobs in DIR (``QRT_HOME``); otherwise ``QRT_HOME``
as set, else the notebook makes itself a temporary job store.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = REPO / "notebooks" / "01_quickstart.ipynb"


def _kernelspec_dir() -> str:
    """A ``python3`` kernelspec running this interpreter, whatever else is installed.

    Jupyter looks in ``JUPYTER_PATH`` first, so a kernelspec named python3 in
    the user's own directories cannot send the notebook to another Python.
    """
    root = Path(tempfile.mkdtemp(prefix="qrt-quickstart-kernel-"))
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (qrt_jupyter)",
                "language": "python",
            }
        )
    )
    return str(root)


# Run in the kernel after the last cell. nbclient records an output and a
# widget's state only from messages answering the cell being executed, but a
# job widget keeps changing after its cell has finished (that is the point of
# it): what nbclient saw is the job just submitted. So ask the kernel for the
# widgets' state now, and for the static text/HTML of each displayed widget
# now (a widget shown through a ``view`` attribute, as JobWidget shows its
# VBox, gives the static text of its owner).
_FINAL_WIDGETS_CODE = """
def _qrt_final_widgets(path):
    import json, warnings
    try:
        from qrt_jupyter.widgets.pump import get_pump
        get_pump().drain(10)  # let pending widget updates land first
    except Exception:
        pass
    from ipywidgets import Widget
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        widgets = list(Widget.widgets.values())
    static = {}
    owners = [w for w in widgets if isinstance(getattr(w, "view", None), Widget) and w.view is not w]
    for widget in [w for w in widgets if w not in owners] + owners:
        shown = widget.view if widget in owners else widget
        try:
            bundle = widget._repr_mimebundle_() or {}
        except Exception:
            continue
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        texts = {k: bundle[k] for k in ("text/plain", "text/html", "image/svg+xml") if k in bundle}
        if texts:
            static[shown.model_id] = texts
    with open(path, "w") as handle:
        json.dump({"state": Widget.get_manager_state(), "static": static}, handle)

_qrt_final_widgets(%r)
del _qrt_final_widgets
"""

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _apply_final_widgets(nb, final: dict, keep_state: bool) -> None:
    """Put the widgets' final static summaries (and, if asked, state) into the executed notebook."""
    if keep_state:
        nb.metadata["widgets"] = {WIDGET_STATE: final["state"]}
    static = final["static"]
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            model_id = data.get(WIDGET_VIEW, {}).get("model_id")
            for mime, text in static.get(model_id, {}).items():
                if mime in data or mime == "image/svg+xml":  # pictures may be new since display
                    data[mime] = text


def _failure(nb, exc: Exception) -> str:
    """One line: which code cell failed, and how."""
    numbers = [i for i, c in enumerate((c for c in nb.cells if c.cell_type == "code"), 1) if c.get("execution_count")]
    where = f"code cell {numbers[-1]}: " if numbers else ""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{where}{ename}: {evalue}"
    lines = [line for line in str(exc).splitlines() if line.strip(" -")]
    return f"{where}{type(exc).__name__}: {lines[-1] if lines else ''}"


def _last_text(nb) -> str:
    """text/plain or stream text of the last code cell that has some."""
    for cell in reversed(nb.cells):
        for output in reversed(cell.get("outputs", []) if cell.cell_type == "code" else []):
            if output.get("output_type") == "stream":
                return output.get("text", "")
            text = output.get("data", {}).get("text/plain")
            if text:
                return text if isinstance(text, str) else "".join(text)
    return ""


def write_html(nb, path: Path) -> None:
    """HTML copy with the widgets' static summaries.

    Without widget state nbconvert falls back from the widget view to the
    next representation of each output, the job's text/html summary: the
    live widgets cannot run in a static page (and their scripts would be
    fetched from a CDN).
    """
    from nbconvert import HTMLExporter

    static = copy.deepcopy(nb)
    static.metadata.pop("widgets", None)
    body, _ = HTMLExporter().from_notebook_node(static)
    path.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", nargs="?", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--home", help="keep the jobs in this directory (QRT_HOME)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may take (default 600)")
    parser.add_argument("--no-html", action="store_true", help="do not write the HTML copy")
    parser.add_argument(
        "--widget-state",
        action="store_true",
        help="also save the widgets' final state in the executed notebook, so a trusted copy shows the "
        "live widgets again (large: each plotly figure carries plotly.js)",
    )
    args = parser.parse_args(argv)

    source = args.notebook.resolve()
    if not source.is_file():
        parser.error(f"no notebook at {source}")
    executed = source.with_name(f"{source.stem}.executed.ipynb")
    html = source.with_name(f"{source.stem}.executed.html")

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    if args.home:
        os.environ["QRT_HOME"] = str(Path(args.home).expanduser().resolve())
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (_kernelspec_dir(), os.environ.get("JUPYTER_PATH", "")) if p
    )

    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(
        nb,
        timeout=args.timeout,
        kernel_name="python3",
        store_widget_state=False,  # replaced by the final state, see _FINAL_WIDGETS_CODE
        resources={"metadata": {"path": str(source.parent)}},
    )
    print(f"Running {source.relative_to(REPO) if source.is_relative_to(REPO) else source} ...", flush=True)
    started = time.monotonic()
    failed = None
    final_path = Path(tempfile.mkstemp(prefix="qrt-quickstart-widgets-", suffix=".json")[1])
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            probe = nbformat.v4.new_code_cell(_FINAL_WIDGETS_CODE % str(final_path))
            nb.cells.append(probe)  # nbclient executes cells of its notebook only
            try:
                client.execute_cell(probe, len(nb.cells) - 1, store_history=False)
            finally:
                nb.cells.remove(probe)
            _apply_final_widgets(nb, json.loads(final_path.read_text()), args.widget_state)
    except CellExecutionError as exc:
        failed = exc
    except Exception as exc:  # the kernel died, a timeout: say so, keep what ran
        failed = exc
    finally:
        final_path.unlink(missing_ok=True)
    elapsed = time.monotonic() - started

    nbformat.write(nb, executed)
    written = [executed]
    if not args.no_html:
        write_html(nb, html)
        written.append(html)

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    ran = sum(1 for c in code_cells if c.get("execution_count"))
    print(f"{'FAILED' if failed else 'OK'}: {ran} of {len(code_cells)} code cells ran in {elapsed:.1f} s")
    if failed is not None:
        print("  " + _failure(nb, failed))
    else:
        last = _last_text(nb).rstrip()
        if last:
            print("  " + last.replace("\n", "\n  "))
    for path in written:
        print(f"Wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
