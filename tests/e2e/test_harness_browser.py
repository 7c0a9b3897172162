"""The browser harness itself: real server, real kernel, live widget updates.

Plain ipywidgets only (no qrt_jupyter), so a failure here points at the
harness or the Jupyter stack, not at our widgets. The notebook's button
starts a plain thread that moves a slider and rewrites a label ten times;
every step must show up in the page while the kernel sits idle.
"""

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "e2e/widgets_live.ipynb"

# Records every text the label shows, so intermediate states are seen however
# fast they pass.
_RECORD_LABEL_JS = """
(el) => {
  window.__labelSeen = [el.textContent];
  new MutationObserver(() => window.__labelSeen.push(el.textContent))
    .observe(el, {childList: true, characterData: true, subtree: true});
}
"""


def _check_live_updates(nb):
    nb.open(NOTEBOOK)
    nb.run_all()
    nb.assert_all_cells_ran()

    box = nb.cell_with_source("threading.Thread").locator(".widget-vbox")
    label = box.locator("div.widget-label")
    readout = box.locator(".widget-readout")
    label.wait_for()
    assert label.inner_text() == "waiting"
    assert readout.inner_text() == "0"
    nb.screenshot("before-click")

    label.evaluate(_RECORD_LABEL_JS)
    box.locator("button", has_text="Start counting").click()
    label.filter(has_text="finished").wait_for(timeout=60_000)
    nb.wait_for_kernel_idle()

    assert readout.inner_text() == "10"
    seen = [t for t in nb.page.evaluate("window.__labelSeen")]
    steps = [int(t.split()[1]) for t in seen if t.startswith("step ")]
    # Each change arrived on its own, in order, after the cell had finished.
    assert steps == sorted(steps) and len(set(steps)) >= 5, seen
    assert seen[-1] == "finished"
    nb.screenshot("after-thread", locator=box)


def test_kernel_is_venv_and_thread_updates_are_live_in_jupyterlab(lab):
    _check_live_updates(lab)
    assert "kernel python:" in lab.output_text()


def test_thread_updates_are_live_in_notebook7(nb7):
    _check_live_updates(nb7)
