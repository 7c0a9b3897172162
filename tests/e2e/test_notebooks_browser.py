"""The tutorial notebooks, run in a real browser the way a person runs them.

Each test opens a tutorial from ``notebooks/`` (a temporary copy), runs
*Run > Run All Cells* and checks what is on the page: the job widgets' status
badges, the live interim plot, the quasi-distribution bars, and that no output
shows a traceback. The job widgets' history is recorded in the page while the
cells run, so "it was RUNNING, then DONE, and the plot grew meanwhile" is
checked from what the page showed, not from the kernel. Screenshots of the
notebook and of the widgets go to ``test-artifacts/e2e/``.
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

QUICKSTART = "01_quickstart.ipynb"
PROGRAMS = "02_programs_and_interim_results.ipynb"

FINAL = {"DONE", "ERROR", "CANCELLED"}


def _run_notebook(nb, path):
    nb.open(path)
    nb.record_job_widgets()
    nb.run_all()
    nb.assert_all_cells_ran()  # includes: no traceback in any output


def _check_quickstart_widgets(nb):
    """01's three job widgets end DONE; the Sampler's quasi-distribution bars are drawn."""
    headers = nb.job_widgets
    assert headers.count() == 3, nb.output_text()[:2000]
    for i in range(3):
        status = nb.wait_for_job_status(headers.nth(i), *FINAL)
        assert status == "DONE", (status, headers.nth(i).text_content(), nb.job_widget_history())

    hello, sampler, from_python = (nb.job_box(headers.nth(i)) for i in range(3))
    assert "hello-world" in headers.nth(0).text_content()

    # hello-world publishes counts each iteration: drawn as a histogram
    counts = nb.plot(hello, "Counts")
    counts.wait_for()
    assert nb.drawn_marks(counts)["bars"] >= 1

    # the noisy Bell state: 00 and 11 tall, a little 01/10 from the device's noise
    quasi = nb.plot(sampler, "Quasi-distribution")
    quasi.wait_for()
    marks = nb.drawn_marks(quasi)
    assert marks["bars"] >= 2, marks
    assert {"00", "11"} <= set(marks["xticks"]), marks
    nb.screenshot("sampler-widget", locator=sampler)

    ideal = nb.plot(from_python, "Quasi-distribution")
    ideal.wait_for()
    assert nb.drawn_marks(ideal)["bars"] == 2  # the ideal simulator: only 00 and 11
    return hello, sampler


def test_quickstart_in_jupyterlab(lab):
    _run_notebook(lab, QUICKSTART)
    hello, _ = _check_quickstart_widgets(lab)
    lab.screenshot("hello-widget", locator=hello)

    # Seen live: at least the first job (a cold worker) was on the page before it was DONE.
    history = lab.job_widget_history()
    assert len(history) == 3, history
    assert all(states[-1][0] == "DONE" for states in history.values()), history
    assert any(states[0][0] in {"QUEUED", "RUNNING"} for states in history.values()), history

    # the quasi-distribution read in Python and %qrt_jobs' table
    text = lab.output_text()
    assert "'00':" in text and "'11':" in text
    table = lab.cell_with_source("%qrt_jobs --limit").locator(".jp-OutputArea-output table")
    assert table.locator("tr:has(td)").count() == 3
    lab.screenshot("notebook")


def test_quickstart_in_notebook7_renders_widgets(nb7):
    _run_notebook(nb7, QUICKSTART)
    _check_quickstart_widgets(nb7)
    nb7.screenshot("notebook")


def test_programs_and_interim_results_in_jupyterlab(lab):
    _run_notebook(lab, PROGRAMS)
    headers = lab.job_widgets
    assert headers.count() == 3, lab.output_text()[:2000]
    vqe, cancelled, timed_out = (headers.nth(i) for i in range(3))
    assert lab.wait_for_job_status(vqe, *FINAL) == "DONE"
    assert lab.wait_for_job_status(cancelled, *FINAL) == "CANCELLED"
    assert lab.wait_for_job_status(timed_out, *FINAL) == "ERROR"

    # The VQE's interim plot: one point per published energy (40 iterations).
    vqe_box = lab.job_box(vqe)
    interim = lab.plot(vqe_box, "Interim results")
    interim.wait_for()
    assert lab.drawn_marks(interim)["points"] >= 40
    assert "energy" in interim.locator(".legend").text_content()
    lab.screenshot("vqe-widget", locator=vqe_box)

    # ...and it grew while the job ran: the page showed it RUNNING with a
    # growing number of points before DONE.
    vqe_id = vqe.locator(".qrt-job-id").text_content()
    states = lab.job_widget_history()[vqe_id]
    running_points = [points for status, points, _ in states if status == "RUNNING"]
    assert states[-1][0] == "DONE", states
    assert len(set(p for p in running_points if p > 0)) >= 2, states
    assert running_points == sorted(running_points), states

    # the convergence plot drawn from the interim results in Python
    convergence = lab.plot(lab.notebook, "VQE convergence")
    assert lab.drawn_marks(convergence)["points"] == 40

    # the time limit, in the widget: red error text naming the limit
    error = timed_out.locator(".qrt-error-text")
    assert "maximum execution time" in error.text_content()
    lab.screenshot("time-limit-widget", locator=lab.job_box(timed_out))

    text = lab.output_text()
    assert "iteration   1" in text  # the logs cell
    assert "energies streamed" in text
    assert "CANCELLED after" in text
    lab.screenshot("notebook")


DASHBOARD = "03_dashboard_and_backends.ipynb"


def test_dashboard_and_estimator_error_bars_in_jupyterlab(lab):
    _run_notebook(lab, DASHBOARD)

    # The dashboard, shown while the device was busy, lists every job of the
    # notebook by the end (it stays live after its cell): the blocker
    # cancelled, everything else done.
    table = lab.notebook.locator(".qrt-job-table").first
    rows = table.locator("tr[data-job-id]")
    rows.nth(6).wait_for()
    assert rows.count() == 7
    for row in range(7):
        rows.nth(row).locator("text=/^(DONE|CANCELLED)$/").wait_for()
    statuses = sorted(rows.nth(i).text_content() for i in range(7))
    assert sum("CANCELLED" in s and "hold" in s for s in statuses) == 1
    assert sum("DONE" in s for s in statuses) == 6
    lab.screenshot("dashboard", locator=table)

    # Estimator values with error bars, raw and mitigated: three points, three bars each
    estimators = [h for h in (lab.job_widgets.nth(i) for i in range(lab.job_widgets.count()))
                  if "estimator" in h.text_content()]
    assert len(estimators) == 2
    for header in estimators:
        assert lab.wait_for_job_status(header, *FINAL) == "DONE"
        plot = lab.plot(lab.job_box(header), "Expectation values")
        plot.wait_for()
        assert lab.drawn_marks(plot)["points"] == 3
        assert plot.locator(".errorbar path.yerror").count() == 3
    lab.screenshot("estimator-mitigated", locator=lab.job_box(estimators[1]))
    lab.screenshot("notebook")
