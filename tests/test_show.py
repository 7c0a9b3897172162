"""``qrt_jupyter.show``: one monitor snapshot, the widget view and the text view.

Real jobs (a local runtime's worker process, qiskit's StatevectorSampler); the
terminal view is read from what it prints, the kernel's text view from the
display messages a real ``InteractiveShell``'s display publisher receives.
"""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from qiskit.primitives import StatevectorSampler

import qrt_jupyter
from qrt_jupyter.monitor import JobSnapshot, monitor_job
from qrt_jupyter.widgets import job_views
from qrt_jupyter.widgets.status_line import StatusLine, status_text
from support import WAIT, bell


@pytest.fixture
def service(tmp_path):
    from qrt_jupyter import LocalRuntimeService

    service = LocalRuntimeService(home=tmp_path / "home")
    yield service
    service.close()


def test_show_is_exported_lazily():
    assert qrt_jupyter.show is job_views.show
    assert "show" in dir(qrt_jupyter)


def test_status_text_says_program_backend_status_queue_and_error():
    snap = JobSnapshot(job_id="j-1", program="sampler", backend="fake_manila", queue_position=2)
    assert status_text(snap) == "sampler job j-1 on fake_manila: QUEUED (position 2 in the queue)"
    failed = snap.evolve(status="ERROR", queue_position=None, error="QiskitError: boom\nTraceback ...")
    assert status_text(failed) == "sampler job j-1 on fake_manila: ERROR: QiskitError: boom"
    assert "qrt-status" in StatusLine(failed)._repr_html_()
    assert status_text(JobSnapshot(job_id="j-2")) == "job j-2: QUEUED"


def test_outside_a_kernel_wait_prints_each_change_until_done(service, capsys):
    job = service.run("hello-world", {"iterations": 2}, options={"backend_name": "ibmq_qasm_simulator"})
    assert not job_views.in_kernel()
    qrt_jupyter.show(job, wait=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"hello-world job {job.job_id()} on ibmq_qasm_simulator: DONE"
    assert len(lines) == len(set(lines))  # a line is printed only when it changes
    assert all(line.startswith(f"hello-world job {job.job_id()} on ibmq_qasm_simulator: ") for line in lines)


def test_without_wait_a_terminal_line_is_printed_once_and_says_the_truth(service, capsys):
    job = service.run("hello-world", {"iterations": 1})
    job.wait_for_final_state(timeout=WAIT)
    qrt_jupyter.show(job)
    assert capsys.readouterr().out.strip() == f"hello-world job {job.job_id()} on {job.backend_name}: DONE"


def test_a_plain_qiskit_primitive_job_in_the_terminal():
    job = StatevectorSampler(seed=1).run([bell()], shots=16)
    with capture_output() as captured:
        qrt_jupyter.show(job, wait=True)
    assert captured.stdout.splitlines()[-1] == f"StatevectorSampler job {job.job_id()}: DONE"


def test_notebook_false_in_a_kernel_updates_one_output_in_place(service, monkeypatch):
    """The text view in a kernel: one display, then updates of that display id."""
    shell = InteractiveShell.instance()
    published: list[tuple[str, dict]] = []
    monkeypatch.setattr(job_views, "in_kernel", lambda: True)
    monkeypatch.setattr(shell.display_pub, "publish",
                        lambda data, metadata=None, transient=None, update=False, **kw:
                        published.append(("update" if update else "display", data, transient or {})))
    job = service.run("hello-world", {"iterations": 1})
    qrt_jupyter.show(job, wait=True, notebook=False)
    assert published[0][0] == "display" and "qrt-status" in published[0][1]["text/html"]
    display_id = published[0][2]["display_id"]
    assert all(kind == "update" and transient["display_id"] == display_id
               for kind, _data, transient in published[1:])
    assert published[-1][1]["text/plain"].endswith(": DONE")


def test_notebook_true_displays_the_job_widget(service, monkeypatch):
    shell = InteractiveShell.instance()
    published: list[dict] = []
    monkeypatch.setattr(shell.display_pub, "publish", lambda data, **kw: published.append(data))
    job = service.run("hello-world", {"iterations": 1})
    qrt_jupyter.show(job, wait=True, notebook=True)
    (bundle,) = published
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith(f"Job {job.job_id()} [")
    assert monitor_job(job).snapshot.status == "DONE"


SLEEPER = """
import time


def main(backend, user_messenger, seconds=600):
    time.sleep(seconds)
"""


def test_ctrl_c_stops_the_wait_not_the_job(service, monkeypatch, capsys):
    program = service.upload_program(SLEEPER, metadata={"name": "sleeper", "description": "sleeps",
                                                        "max_execution_time": 900})
    job = service.run(program, {})
    monitor = monitor_job(job)

    def interrupted(timeout=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(monitor, "wait", interrupted)
    try:
        qrt_jupyter.show(job, wait=True)
        assert f"Stopped waiting; job {job.job_id()} keeps running" in capsys.readouterr().out
        assert job.status().name in ("QUEUED", "RUNNING")
    finally:
        job.cancel()
