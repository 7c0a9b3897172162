"""The dashboard in a real JupyterLab: the jobs table is drawn by js/job_table.js and stays live.

What a person sees: three job rows, newest first, turning DONE while the kernel
sits idle; a click on a row opens that job's widget under the table; the
Backends tab draws its queue bars. Screenshots go to test-artifacts/e2e/.
"""

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "e2e/dashboard_live.ipynb"


def test_dashboard_lists_jobs_live_and_opens_one(lab):
    lab.open(NOTEBOOK)
    lab.run_all()
    lab.assert_all_cells_ran()

    table = lab.notebook.locator(".qrt-job-table").first  # the Sessions tab has its own, hidden
    rows = table.locator("tr[data-job-id]")
    rows.nth(2).wait_for(timeout=60_000)
    assert rows.count() == 3
    # the kernel is idle: DONE arrives through the service's events and the pump's thread
    table.locator("tr[data-job-id]", has_text="DONE").nth(2).wait_for(timeout=120_000)
    ids = [rows.nth(i).get_attribute("data-job-id") for i in range(3)]
    printed = lab.cell_with_source("newest first").locator(".jp-OutputArea-output").inner_text()
    assert printed.split()[2:] == ids  # the kernel's own newest-first order
    lab.screenshot("jobs-done", locator=table)

    rows.nth(0).click()
    job_header = lab.notebook.locator(".qrt-job").first
    job_header.wait_for(timeout=60_000)
    assert ids[0] in job_header.inner_text()
    lab.screenshot("job-opened")

    dashboard = lab.notebook.locator(".widget-tab").first
    dashboard.locator(".lm-TabBar-tab", has_text="Backends").first.click()
    dashboard.locator(".js-plotly-plot .xtick", has_text="ibmq_qasm_simulator").first.wait_for(timeout=60_000)
    assert "least busy" in dashboard.locator(".qrt-backends").first.inner_text()
    dashboard.locator(".widget-dropdown", has_text="Details of").locator("select").select_option("fake_manila")
    # the details load on a thread and arrive through the pump: the coupling map, then the error table
    dashboard.locator(".js-plotly-plot", has_text="fake_manila: coupling map").first.wait_for(timeout=120_000)
    assert "Readout error" in dashboard.inner_text()
    lab.screenshot("backends")

    dashboard.locator(".lm-TabBar-tab", has_text="Programs").first.click()
    dashboard.locator("text=Number of iterations to run").first.wait_for(timeout=60_000)
    lab.screenshot("programs")
    lab.shutdown_kernel()
