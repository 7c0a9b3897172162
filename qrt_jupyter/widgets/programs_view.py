"""The dashboard's Programs tab: a program's metadata, and a form that runs it.

The form is generated from the program's ``spec.parameters`` JSON Schema
(:mod:`.schema_form`); Run calls the service's public ``run`` and shows the
job's live widget under the form. Nothing here knows which programs exist: a
program uploaded a minute ago, with its own schema, gets its own form.
"""

from __future__ import annotations

import html
import json
import threading
from typing import Any, Mapping

from ..status import name_of
from ._tables import TABLE_CSS
from .pump import get_pump
from .schema_fields import FormError
from .schema_form import SchemaForm

__all__ = ["ProgramsView", "program_html", "program_info"]

LEAST_BUSY = ""  # backend drop-down value meaning "let the service choose"


def program_info(program: Any) -> dict:
    """The facts of a program object as plain data (ours and the old ``IBMRuntimeService``'s ``RuntimeProgram`` alike)."""

    def get(name, default=None):
        value = getattr(program, name, default)
        return default if callable(value) else value

    params = get("parameters")
    if not isinstance(params, Mapping):  # old clients: parameters() was a method
        spec = (get("metadata") or {}).get("spec") if isinstance(get("metadata"), Mapping) else None
        params = (spec or {}).get("parameters")
    return {
        "program_id": str(get("program_id", "")),
        "name": get("name") or get("program_id", ""),
        "description": get("description") or "",
        "version": get("version"),
        "max_execution_time": get("max_execution_time"),
        "backend_requirements": get("backend_requirements") or {},
        "parameters": params if isinstance(params, Mapping) else None,
        "return_values": get("return_values") or {},
        "interim_results": get("interim_results") or {},
        "builtin": get("is_builtin"),
        "creation_date": get("creation_date"),
    }


def _schema_summary(schema: Mapping) -> str:
    if not schema:
        return "—"
    text = schema.get("description") or ""
    kind = schema.get("type")
    props = schema.get("properties")
    if props:
        text += (" " if text else "") + "{" + ", ".join(props) + "}"
    elif kind and not text:
        text = str(kind)
    return text or json.dumps(schema)[:120]


def program_html(info: dict) -> str:
    """Metadata and a parameters table, as HTML."""
    e = html.escape
    facts = [
        ("Program id", info["program_id"]),
        ("Description", info["description"]),
        ("Version", info["version"]),
        ("Max execution time", f"{info['max_execution_time']} s" if info["max_execution_time"] else None),
        ("Backend requirements", json.dumps(info["backend_requirements"]) if info["backend_requirements"] else None),
        ("Built-in", {True: "yes", False: "no"}.get(info["builtin"])),
        ("Interim results", _schema_summary(info["interim_results"])),
        ("Returns", _schema_summary(info["return_values"])),
    ]
    rows = "".join(
        f"<tr><th style='text-align:left;vertical-align:top'>{k}</th><td>{e(str(v))}</td></tr>"
        for k, v in facts
        if v not in (None, "")
    )
    parts = [f"{TABLE_CSS}<h4 style='margin:4px 0'>{e(str(info['name']))}</h4><table class='qrt-table'>{rows}</table>"]
    schema = info["parameters"] or {}
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    if props:
        head = "<tr><th>Parameter</th><th>Type</th><th>Required</th><th>Default</th><th>Description</th></tr>"
        body = "".join(
            f"<tr><td><code>{e(name)}</code></td><td>{e(_type_text(p))}</td>"
            f"<td>{'yes' if name in required else ''}</td>"
            f"<td>{e(json.dumps(p['default'])) if isinstance(p, Mapping) and 'default' in p else ''}</td>"
            f"<td>{e(str(p.get('description', '')) if isinstance(p, Mapping) else '')}</td></tr>"
            for name, p in props.items()
        )
        parts.append(f"<table class='qrt-table'>{head}{body}</table>")
    else:
        parts.append("<p><i>No parameter schema: any inputs are accepted.</i></p>")
    return "".join(parts)


def _type_text(prop) -> str:
    if not isinstance(prop, Mapping):
        return "any"
    if "enum" in prop:
        return "one of " + ", ".join(json.dumps(v) for v in prop["enum"])
    kind = prop.get("type")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind:
        return str(kind)
    for union in ("anyOf", "oneOf"):
        if union in prop:
            return " | ".join(_type_text(p) for p in prop[union])
    return "any"


class ProgramsView:
    """The Programs tab: pick a program, read its metadata, fill its form, run it.

    ``namespace`` is where form expressions are evaluated (default: the IPython
    user namespace at the time of Run, else an empty one).
    """

    def __init__(self, service: Any, namespace: Mapping | None = None, pump=None):
        import ipywidgets as w

        self.service = service
        self.namespace = namespace
        self.pump = pump or get_pump()
        self.form: SchemaForm | None = None
        self.last_job = None
        self._job_widget = None
        self._programs: dict[str, dict] = {}
        self._selected: str | None = None
        self._drawn: str | None = None
        self._reload = True
        self._message = ""
        self._lock = threading.RLock()
        self._syncing = False

        self.select = w.Dropdown(description="Program", options=[], value=None)
        self.select.observe(self._on_select, "value")
        self.metadata = w.HTML()
        self.backend = w.Dropdown(description="Backend", options=[("least busy", LEAST_BUSY)], value=LEAST_BUSY)
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.run_button.on_click(lambda _button: self.run())
        self.status = w.HTML()
        self.form_box = w.VBox([])
        self.job_box = w.VBox([])
        self.widget = w.VBox(
            [
                self.select,
                self.metadata,
                self.form_box,
                w.HBox([self.backend, self.run_button]),
                self.status,
                self.job_box,
            ]
        )

    # -- selection ------------------------------------------------------------
    def _on_select(self, change) -> None:
        if self._syncing:  # our own redraw of the drop-down, not the user
            return
        if change["new"] and change["new"] != self._selected:
            self.select_program(change["new"])

    def select_program(self, program_id: str) -> None:
        """Show ``program_id``'s metadata and form (redrawn at once: a user's click)."""
        with self._lock:
            self._selected = program_id
        self.pump.flush_now(self)

    def refresh(self) -> None:
        """Re-read the program and backend lists on the next flush (after an upload, say)."""
        with self._lock:
            self._reload = True
        self.pump.mark_dirty(self)

    # -- running ----------------------------------------------------------------
    def run(self):
        """Submit the selected program with the form's inputs; returns the job (or None).

        Called by the Run button; also usable from Python. Input mistakes (form
        or schema validation by the service) are shown next to the button.
        """
        from . import watch

        with self._lock:
            program_id, form = self._selected, self.form
        if not program_id or form is None:
            return None
        try:
            inputs = form.values()
            backend = self.backend.value
            options = {"backend_name": backend} if backend else None
            job = self.service.run(program_id, inputs, options=options)
        except FormError:
            job, message = None, "Fix the inputs marked above."
        except Exception as exc:  # IBMInputValueError (schema), unknown backend, ...
            job, message = None, f"{type(exc).__name__}: {exc}"
        else:
            message = ""
        widget = None
        if job is not None:
            try:
                widget = watch(job)
            except Exception as exc:  # the job runs anyway; say why it cannot be shown
                message = f"submitted {job.job_id()}, but its widget failed: {type(exc).__name__}: {exc}"
        previous = None
        with self._lock:
            self._message = message
            if job is not None:
                self.last_job = job
                previous, self._job_widget = self._job_widget, widget
        self.pump.flush_now(self)
        if previous is not None:  # replaced under the form: stop its updates
            previous.close()
        return job

    # -- drawing --------------------------------------------------------------------
    def flush(self) -> None:
        self._syncing = True
        try:
            self._draw()
        finally:
            self._syncing = False

    def _draw(self) -> None:
        with self._lock:
            reload, self._reload = self._reload, False
        if reload:
            self._read_lists()
        with self._lock:
            selected = self._selected
            info = self._programs.get(selected) if selected else None
            message = self._message
            job_widget = self._job_widget
            rebuild = selected != self._drawn
            self._drawn = selected
        if selected is not None and self.select.value != selected and selected in self._programs:
            self.select.value = selected
        if rebuild:
            if info is None:
                self.metadata.value = ""
                self.form = None
                self.form_box.children = []
            else:
                self.metadata.value = program_html(info)
                self.form = SchemaForm(info["parameters"], namespace=self.namespace)
                self.form_box.children = [self.form.widget]
        self.status.value = f"<span style='color:#c62828'>{html.escape(message)}</span>" if message else ""
        self.run_button.disabled = info is None
        children = (getattr(job_widget, "view", job_widget),) if job_widget is not None else ()
        if tuple(self.job_box.children) != children:
            self.job_box.children = children

    def _read_lists(self) -> None:
        try:
            programs = {info["program_id"]: info for info in map(program_info, self.service.programs())}
        except Exception as exc:
            programs, self._message = {}, f"programs: {type(exc).__name__}: {exc}"
        try:
            backends = sorted(name_of(b) for b in self.service.backends())
        except Exception:
            backends = []
        with self._lock:
            self._programs = programs
            if self._selected not in programs:
                self._selected = next(iter(programs), None)
                self._drawn = None
        labels = [(_label(info), pid) for pid, info in programs.items()]
        if list(self.select.options) != labels:
            self.select.options = labels
        options = [("least busy", LEAST_BUSY)] + [(name, name) for name in backends]
        if list(self.backend.options) != options:
            keep = self.backend.value
            self.backend.options = options
            self.backend.value = keep if keep in dict(options).values() else LEAST_BUSY

    def close(self) -> None:
        self.pump.forget(self)
        if self._job_widget is not None:
            self._job_widget.close()


def _label(info: dict) -> str:
    name, pid = str(info["name"]), info["program_id"]
    return pid if name in ("", pid) else f"{pid} — {name}"
