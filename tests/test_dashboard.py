"""The dashboard: schema forms, the jobs table model, and the widget against a real service.

Headless: widgets are driven through their traits and the custom messages their
front ends would send; no browser, no timed assertions (waits are for a state,
with a generous timeout, never for a duration).
"""

from __future__ import annotations

import ipywidgets as w
import pytest

from qrt_jupyter.widgets.schema_fields import (
    BOOLEAN,
    CHOICE,
    EXPRESSION,
    INTEGER,
    KWARGS,
    KWARGS_FIELD,
    MISSING,
    NUMBER,
    STRING,
    FormError,
    coerce_value,
    collect_inputs,
    fields_from_schema,
)
from qrt_jupyter.widgets.schema_form import SchemaForm

SAMPLER_LIKE = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "properties": {
        "shots": {"type": "integer", "minimum": 1, "default": 1024, "description": "Shots."},
        "circuits": {"description": "Circuits to sample.", "type": ["array", "object"]},
        "optimization_level": {"enum": [0, 1, 2, 3], "default": 1},
        "skip_transpilation": {"type": "boolean", "default": False},
        "seed": {"type": ["integer", "null"]},
        "tag": {"type": "string"},
        "scale": {"type": "number", "maximum": 2.0},
        "observables": {"anyOf": [{"type": "array"}, {"type": "object"}]},
    },
    "required": ["circuits", "seed"],
}


# -- schema -> fields -------------------------------------------------------------


def test_fields_follow_the_schema_types_required_first():
    fields = {f.name: f for f in fields_from_schema(SAMPLER_LIKE)}
    assert fields["shots"].kind == INTEGER and fields["shots"].default == 1024 and fields["shots"].minimum == 1
    assert fields["circuits"].kind == EXPRESSION and fields["circuits"].required
    assert fields["optimization_level"].kind == CHOICE and fields["optimization_level"].choices == (0, 1, 2, 3)
    assert fields["skip_transpilation"].kind == BOOLEAN
    # nullable: a typed integer box, but never required (null is a valid value)
    assert fields["seed"].kind == INTEGER and not fields["seed"].required
    assert fields["tag"].kind == STRING
    assert fields["scale"].kind == NUMBER and fields["scale"].maximum == 2.0
    assert fields["observables"].kind == EXPRESSION
    order = [f.name for f in fields_from_schema(SAMPLER_LIKE)]
    assert order[0] == "circuits"  # the only required one comes first
    assert order[1:] == [n for n in SAMPLER_LIKE["properties"] if n != "circuits"]


def test_program_without_schema_gets_one_dict_field():
    (field,) = fields_from_schema(None)
    assert field.kind == KWARGS and field.name == KWARGS_FIELD
    assert collect_inputs([field], {KWARGS_FIELD: "{'a': 1, 'b': x}"}, {"x": 2}) == {"a": 1, "b": 2}
    with pytest.raises(FormError):
        collect_inputs([field], {KWARGS_FIELD: "[1]"}, {})


def test_coercion_and_missing_values():
    fields = {f.name: f for f in fields_from_schema(SAMPLER_LIKE)}
    assert coerce_value(fields["shots"], "200") == 200
    assert coerce_value(fields["shots"], MISSING) is MISSING  # optional: the program's default applies
    with pytest.raises(FormError, match=">= 1"):
        coerce_value(fields["shots"], 0)
    with pytest.raises(FormError, match="not an integer"):
        coerce_value(fields["shots"], "many")
    with pytest.raises(FormError, match="required"):
        coerce_value(fields["circuits"], "  ")
    with pytest.raises(FormError, match="<= 2.0"):
        coerce_value(fields["scale"], 3)
    assert coerce_value(fields["skip_transpilation"], "true") is True
    assert coerce_value(fields["optimization_level"], 3) == 3
    with pytest.raises(FormError):
        coerce_value(fields["optimization_level"], 7)
    assert coerce_value(fields["tag"], "") is MISSING


def test_expressions_are_evaluated_in_the_given_namespace():
    fields = fields_from_schema(SAMPLER_LIKE)
    namespace = {"bell": "BELL", "n": 3}
    inputs = collect_inputs(fields, {"circuits": "[bell] * n", "seed": "5"}, namespace)
    assert inputs == {"circuits": ["BELL", "BELL", "BELL"], "seed": 5}
    assert "__builtins__" not in namespace  # the caller's dict is not touched
    with pytest.raises(FormError) as info:
        collect_inputs(fields, {"circuits": "undefined_name", "shots": "x"}, namespace)
    assert {e.field for e in info.value.errors} == {"circuits", "shots"}  # every problem at once
    assert "NameError" in str(info.value)


def test_expressions_use_the_ipython_user_namespace(ip):
    ip.run_cell("from math import pi\nangles = [pi / 2]")
    fields = fields_from_schema({"properties": {"angles": {"type": "array"}}})
    assert collect_inputs(fields, {"angles": "angles + [0.0]"}) == {"angles": [1.5707963267948966, 0.0]}


def test_schema_form_draws_one_typed_input_per_parameter():
    form = SchemaForm(SAMPLER_LIKE, namespace={"qc": "QC"})
    kinds = {name: type(box) for name, box in form.inputs.items()}
    assert kinds == {
        "circuits": w.Textarea,
        "shots": w.BoundedIntText,
        "optimization_level": w.Dropdown,
        "skip_transpilation": w.Checkbox,
        "seed": w.IntText,
        "tag": w.Text,
        "scale": w.BoundedFloatText,
        "observables": w.Textarea,
    }
    assert form.inputs["shots"].value == 1024 and form.inputs["optimization_level"].value == 1
    # optional numbers without a default are off until switched on
    assert set(form.toggles) == {"scale", "seed"} and form.inputs["scale"].disabled
    with pytest.raises(FormError):
        form.values()  # circuits is required and empty
    assert "circuits" in form.error.value
    form.inputs["circuits"].value = "[qc]"
    assert form.values() == {
        "circuits": ["QC"],
        "shots": 1024,
        "optimization_level": 1,
        "skip_transpilation": False,
        "seed": None,  # required but nullable, left off: sent as None
    }
    assert form.error.value == ""
    form.toggles["scale"].value = True
    assert not form.inputs["scale"].disabled
    form.inputs["scale"].value = 1.5
    form.toggles["seed"].value = True
    form.inputs["seed"].value = 7
    assert form.values()["scale"] == 1.5 and form.values()["seed"] == 7


# -- against a real local runtime --------------------------------------------------------

import time  # noqa: E402

from qrt_jupyter.widgets.job_table import JobQuery, JobTable, PageCursor, fetch_page, job_row  # noqa: E402
from qrt_jupyter.widgets.pump import UpdatePump  # noqa: E402
from support import WAIT, bell, finish_unfinished, runtime_on, wait_until  # noqa: E402


def drained(pump):
    """For ``wait_until(..., between=drained(pump))``: apply the test pump's updates before each look."""
    return lambda: pump.drain(timeout=5)


def send(widget, content):
    """Deliver a custom message exactly as ipywidgets does for one from the front end."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


class PublicService:
    """Any service object: only the public methods of the service contract, nothing else.

    Wrapping our service in this proves the dashboard needs nothing private (the
    IBM adapter offers the same methods) and records how jobs were asked for.
    """

    def __init__(self, service):
        self._service = service
        self.jobs_calls: list[dict] = []

    def jobs(self, limit=10, skip=0, **filters):
        self.jobs_calls.append({"limit": limit, "skip": skip, **filters})
        return self._service.jobs(limit=limit, skip=skip, **filters)

    def job(self, job_id):
        return self._service.job(job_id)

    def delete_job(self, job_id):
        return self._service.delete_job(job_id)

    def run(self, program_id, inputs, options=None, **kwargs):
        return self._service.run(program_id, inputs, options=options, **kwargs)

    def programs(self, refresh=False):
        return self._service.programs(refresh=refresh)

    def backends(self):
        return self._service.backends()

    def least_busy(self):
        return self._service.least_busy()

    def sessions(self, limit=20):
        return self._service.sessions(limit=limit)

    def subscribe(self, callback):
        return self._service.subscribe(callback)


def run_done(service, n, **options):
    """``n`` finished hello-world jobs (on the ideal simulator unless told: quickest to start)."""
    options.setdefault("backend_name", "ibmq_qasm_simulator")
    jobs = [service.run("hello-world", {"iterations": 1}, options=options) for _ in range(n)]
    for job in jobs:
        job.wait_for_final_state(WAIT)
    return jobs


def ids(rows):
    return [r["job_id"] for r in rows]


@pytest.fixture(scope="module")
def dashboard_runtime(tmp_path_factory):
    with runtime_on(tmp_path_factory.mktemp("dashboard-home")) as svc:
        yield svc


@pytest.fixture
def service(dashboard_runtime):
    """A runtime with no jobs: the module's, emptied for each test, its workers kept warm.

    The dashboard shows every job of its service, so each test starts from an
    empty list, as on a fresh home; a worker process costs seconds to start,
    so the home is not fresh. Unfinished jobs are cancelled after each test.
    """
    for job in dashboard_runtime.jobs(limit=None):
        dashboard_runtime.delete_job(job.job_id())
    yield dashboard_runtime
    finish_unfinished(dashboard_runtime)


@pytest.fixture
def pump():
    """A pump with no thread: the test drains it, so nothing is drawn behind its back."""
    return UpdatePump(start=False)


def test_rows_newest_first_with_session_column_and_static_fallback(service, pump):
    from qrt_jupyter import Dashboard

    jobs = run_done(service, 3)
    dash = Dashboard(service, pump=pump)
    try:
        rows = dash.jobs.table.rows
        assert ids(rows) == [j.job_id() for j in reversed(jobs)]
        assert all(r["status"] == "DONE" and r["program_id"] == "hello-world" for r in rows)
        assert all(r["can_delete"] and not r["can_cancel"] for r in rows)
        assert [c[0] for c in dash.jobs.table.columns][-1] == "session_id"
        assert not dash.jobs.table.has_next

        bundle = dash._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        for job in jobs:
            assert job.job_id() in bundle["text/html"]
            assert job.job_id() in bundle["text/plain"]
        assert "ibmq_qasm_simulator" in bundle["text/html"] and "least busy" in bundle["text/html"]
    finally:
        dash.close()


def test_table_model_pages_and_filters_without_widgets(service):
    jobs = run_done(service, 5)
    newest_first = [j.job_id() for j in reversed(jobs)]
    cursor = PageCursor()
    seen = []
    for page_number in range(3):
        query = JobQuery(page=page_number, page_size=2)
        page = fetch_page(service, query, cursor.start_of(query))
        cursor.record(query, page)
        seen += ids(page.rows)
        assert page.has_next == (page_number < 2)
    assert seen == newest_first

    service.job(newest_first[0])  # still there
    page = fetch_page(service, JobQuery(status="DONE", page_size=2))
    assert ids(page.rows) == newest_first[:2] and page.has_next
    page = fetch_page(service, JobQuery(status="CANCELLED"))
    assert page.rows == [] and not page.has_next
    row = job_row(jobs[0])
    assert row["backend"] == jobs[0].backend().name and row["created"].startswith(str(jobs[0].creation_date.year))


def test_paging_and_filters_through_front_end_messages(service, pump):
    from qrt_jupyter import Dashboard

    sim = run_done(service, 3, backend_name="ibmq_qasm_simulator")
    manila = run_done(service, 2, backend_name="fake_manila")
    source = "def main(backend, user_messenger, **kwargs):\n    return 42\n"
    tiny = service.upload_program(source, metadata={"name": "tiny", "description": "Returns 42.", "max_execution_time": 60})
    tiny_job = service.run(tiny, {}, options={"backend_name": "fake_armonk"})
    tiny_job.wait_for_final_state(WAIT)
    everything = [tiny_job] + list(reversed(manila)) + list(reversed(sim))

    dash = Dashboard(service, page_size=2, pump=pump)
    table = dash.jobs.table
    try:
        assert ids(table.rows) == [j.job_id() for j in everything[:2]] and table.has_next
        assert tiny in table.filter_options["program_id"]
        assert "fake_manila" in table.filter_options["backend_name"]

        send(table, {"type": "page", "page": 1})
        pump.drain()
        assert table.page == 1 and ids(table.rows) == [j.job_id() for j in everything[2:4]]
        send(table, {"type": "page", "page": 2})
        send(table, {"type": "page", "page": 3})
        send(table, {"type": "page", "page": 7})  # beyond the last page: stays on the last
        pump.drain()
        assert table.page == 2 and ids(table.rows) == [j.job_id() for j in everything[4:]]
        assert not table.has_next

        send(table, {"type": "filter", "filters": {"backend_name": "fake_manila"}})
        pump.drain()
        assert table.page == 0 and table.filters["backend_name"] == "fake_manila"
        assert ids(table.rows) == [j.job_id() for j in reversed(manila)]

        send(table, {"type": "filter", "filters": {"program_id": tiny, "backend_name": ""}})
        pump.drain()
        assert ids(table.rows) == [tiny_job.job_id()]

        send(table, {"type": "filter", "filters": {"status": "pending"}})
        pump.drain()
        assert table.rows == []
        send(table, {"type": "filter", "filters": {"status": "DONE", "backend_name": "ibmq_qasm_simulator"}})
        pump.drain()
        assert ids(table.rows) == [j.job_id() for j in reversed(sim)][:2] and table.has_next, (table.rows, [j.job_id() for j in everything], table.message)
        send(table, {"type": "page", "page": 1})
        pump.drain()
        assert ids(table.rows) == [sim[0].job_id()] and not table.has_next
    finally:
        dash.close()


def test_cancel_delete_and_open_through_the_table(service, pump):
    from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

    from qrt_jupyter import Dashboard
    from qrt_jupyter.widgets.job import JobWidget

    (finished,) = run_done(service, 1)
    # fake_manila runs one job at a time: the first blocks, the second waits in the queue
    blocker = service.run("hello-world", {"iterations": 10**6}, options={"backend_name": "fake_manila"})
    queued = service.run("hello-world", {"iterations": 1}, options={"backend_name": "fake_manila"})
    dash = Dashboard(service, pump=pump)
    table = dash.jobs.table
    try:
        wait_until(lambda: blocker.status().name == "RUNNING", "the blocker to run")
        dash.jobs.handle_request({"type": "refresh"})
        row = wait_until(
            lambda: next((r for r in table.rows if r["job_id"] == queued.job_id() and r["status"] == "QUEUED"), None),
            "the queued row",
            between=drained(pump),
        )
        assert row["can_cancel"] and row["queue_position"] == 1

        send(table, {"type": "cancel", "job_id": queued.job_id()})
        assert dash.jobs.wait_actions(WAIT)
        assert service.job(queued.job_id()).status().name == "CANCELLED"
        wait_until(
            lambda: any(r["job_id"] == queued.job_id() and r["status"] == "CANCELLED" for r in table.rows),
            "the cancelled row",
            between=drained(pump),
        )

        send(table, {"type": "cancel", "job_id": finished.job_id()})  # already DONE: refused, said in the table
        assert dash.jobs.wait_actions(WAIT)
        pump.drain()
        assert "RuntimeInvalidStateError" in table.message

        send(table, {"type": "open", "job_id": finished.job_id()})
        opened = dash.jobs.opened
        assert isinstance(opened, JobWidget) and opened.job_id == finished.job_id() and opened.status == "DONE"
        assert dash.jobs.detail.children == (opened.view,)
        assert table.selected == finished.job_id()

        send(table, {"type": "delete", "job_id": finished.job_id()})
        assert dash.jobs.wait_actions(WAIT)
        with pytest.raises(RuntimeJobNotFound):
            service.job(finished.job_id())
        wait_until(lambda: finished.job_id() not in ids(table.rows), "the deleted row to go", between=drained(pump))
        assert dash.jobs.opened is None and dash.jobs.detail.children == ()
    finally:
        blocker.cancel()
        dash.close()


def test_new_jobs_appear_through_events_and_the_shared_pump(service):
    """No test pump and no event loop here: the service's events and the pump's thread do it all."""
    from qrt_jupyter import Dashboard

    dash = Dashboard(service)
    try:
        assert dash.jobs.table.rows == []
        job = service.run("hello-world", {"iterations": 1})
        wait_until(
            lambda: [r["status"] for r in dash.jobs.table.rows if r["job_id"] == job.job_id()] == ["DONE"],
            "the job's row to reach DONE",
        )
    finally:
        dash.close()


def test_backends_tab_pending_counts_least_busy_and_details(service, pump):
    from qrt_jupyter import Dashboard

    blocker = service.run("hello-world", {"iterations": 10**6}, options={"backend_name": "fake_manila"})
    queued = service.run("hello-world", {"iterations": 1}, options={"backend_name": "fake_manila"})
    dash = Dashboard(service, pump=pump)
    try:
        dash.show("Backends")
        view = dash.backends
        wait_until(
            lambda: next((r for r in view.rows if r["name"] == "fake_manila"), {}).get("pending_jobs") == 2,
            "fake_manila's two pending jobs",
            between=drained(pump),
        )
        by_name = {r["name"]: r for r in view.rows}
        assert by_name["fake_manila"]["num_qubits"] == 5 and by_name["fake_manila"]["operational"]
        (marked,) = [r["name"] for r in view.rows if r["least_busy"]]
        assert marked == service.least_busy().name != "fake_manila"  # where a job without backend goes
        bar = view.queue_plot.data[0]
        assert dict(zip(bar.x, bar.y))["fake_manila"] == 2
        assert "fake_manila" in view.table.value and "least busy" in view.table.value

        view.select_backend("fake_manila", wait=True)
        pump.drain()
        details = view.details_of("fake_manila")
        assert sorted(map(sorted, details["coupling_map"]))[0] == [0, 1]
        assert all(q["readout_error"] is not None for q in details["qubits"])
        assert {tuple(e[:2]) for e in details["edge_errors"]} == {(0, 1), (1, 2), (2, 3), (3, 4)}
        assert view.select.value == "fake_manila"
        (figure,) = view.coupling_box.children
        assert len(figure.data) == 3 and len(figure.data[2].x) == 5
        assert "Readout error" in view.details_html.value

        queued.cancel()
        blocker.cancel()
        wait_until(
            lambda: next((r for r in view.rows if r["name"] == "fake_manila"), {}).get("pending_jobs") == 0,
            "fake_manila's queue to empty",
            between=drained(pump),
        )
    finally:
        for job in (queued, blocker):
            if job.status().name not in ("DONE", "ERROR", "CANCELLED"):
                job.cancel()
        dash.close()


def test_program_form_builds_inputs_from_the_schema_and_runs(service, pump):
    from qrt_jupyter import Dashboard
    from qrt_jupyter.widgets.job import JobWidget

    dash = Dashboard(service, pump=pump, namespace={"bell": bell()})
    try:
        dash.show("Programs")
        pump.drain()
        programs = dash.programs
        assert {"hello-world", "sampler", "estimator", "circuit-runner"} <= set(programs._programs)
        programs.select_program("hello-world")
        assert set(programs.form.inputs) == {"iterations"}
        box = programs.form.inputs["iterations"]
        assert isinstance(box, w.BoundedIntText) and box.value == 5 and box.min == 0
        assert "iterations" in programs.metadata.value
        box.value = 2
        programs.backend.value = "fake_manila"
        programs.run_button.click()
        job = programs.last_job
        assert job is not None and job.backend().name == "fake_manila"
        assert job.inputs == {"iterations": 2}
        (shown,) = programs.job_box.children
        assert isinstance(shown.children[0], JobWidget) and shown.children[0].job_id == job.job_id()
        assert job.result(timeout=WAIT) == "All done!"

        programs.select_program("sampler")
        assert isinstance(programs.form.inputs["circuits"], w.Textarea)  # an object: a Python expression
        programs.form.inputs["circuits"].value = "[bell]"
        programs.backend.value = ""  # least busy
        job = programs.run()
        assert job is not None, programs.status.value
        result = job.result(timeout=WAIT)
        quasi = result.quasi_dists[0]
        assert set(quasi) <= {0, 3} and abs(sum(quasi.values()) - 1) < 1e-9

        programs.form.inputs["circuits"].value = "[undefined_name]"
        assert programs.run() is None
        assert "NameError" in programs.form.error.value
    finally:
        dash.close()


def test_sessions_tab_lists_sessions_with_their_jobs(service, pump):
    from qrt_jupyter import Dashboard

    session_id = service.open_session(backend_name="ibmq_qasm_simulator")
    job = service.run("hello-world", {"iterations": 1}, options={"session_id": session_id})
    job.wait_for_final_state(WAIT)
    (outside,) = run_done(service, 1)
    dash = Dashboard(service, pump=pump)
    try:
        assert next(r for r in dash.jobs.table.rows if r["job_id"] == job.job_id())["session_id"] == session_id
        dash.show("Sessions")
        pump.drain()
        view = dash.sessions
        (row,) = view.rows
        assert row["id"] == session_id and row["state"] == "open" and row["num_jobs"] == 1
        assert view.select.value == session_id
        assert ids(view.jobs.table.rows) == [job.job_id()]  # not the job outside the session
        assert outside.job_id() not in ids(view.jobs.table.rows)

        service.close_session(session_id)
        dash.refresh()
        pump.drain()
        assert view.rows[0]["state"] == "closed" and "closed" in view.table.value
    finally:
        dash.close()


def test_only_public_methods_and_only_a_page_of_a_big_store(fresh_service, pump, tmp_path):
    """10,000 jobs in the store: the dashboard asks for one page, never for all of them."""
    import json
    import sqlite3

    from qrt_jupyter import Dashboard

    service = fresh_service  # a store of its own: rows are written into its file

    run_done(service, 1)  # the store file exists and has the real schema
    db = sqlite3.connect(tmp_path / "home" / "runtime.db", timeout=30)
    long_ago = time.time() - 10**6
    with db:
        db.executemany(
            "INSERT INTO jobs (id, program_id, backend, status, inputs, options, created, updated, finished)"
            " VALUES (?, 'hello-world', 'ibmq_qasm_simulator', ?, '{}', ?, ?, ?, ?)",
            [
                (f"bulk{i:05d}", "ERROR" if i % 1000 == 0 else "DONE", json.dumps({}), long_ago + i, long_ago + i, long_ago + i)
                for i in range(10_000)
            ],
        )
    db.close()

    public = PublicService(service)
    dash = Dashboard(public, page_size=20, pump=pump)
    try:
        rows = dash.jobs.table.rows
        assert len(rows) == 20 and dash.jobs.table.has_next
        assert rows[1]["job_id"] == "bulk09999"  # after the real job, the newest bulk one
        assert all(call["limit"] == 21 for call in public.jobs_calls)

        public.jobs_calls.clear()
        send(dash.jobs.table, {"type": "filter", "filters": {"status": "ERROR"}})
        pump.drain()
        # an exact status is filtered on this side, in chunks, at most SCAN_LIMIT jobs per page:
        # the first page stops early and says so; "older" scans on from where it stopped
        table = dash.jobs.table
        assert ids(table.rows) == ["bulk09000", "bulk08000", "bulk07000", "bulk06000"]
        assert table.has_next and "scanning" in table.message
        assert all(call["limit"] <= 200 for call in public.jobs_calls)
        assert sum(call["limit"] for call in public.jobs_calls) <= 5000
        send(table, {"type": "page", "page": 1})
        pump.drain()
        assert ids(table.rows) == ["bulk05000", "bulk04000", "bulk03000", "bulk02000", "bulk01000"]
        send(table, {"type": "page", "page": 2})
        pump.drain()
        assert ids(table.rows) == ["bulk00000"] and not table.has_next
        send(table, {"type": "page", "page": 1})  # back: the page starts where it started before
        pump.drain()
        assert ids(table.rows)[0] == "bulk05000"
    finally:
        dash.close()


def test_job_table_front_end_module_ships_from_js():
    from pathlib import Path

    source = str(JobTable._esm)
    assert "export default" in source and "model.send" in source
    repo_js = Path(__file__).resolve().parent.parent / "js" / "job_table.js"
    assert repo_js.read_text() == source
