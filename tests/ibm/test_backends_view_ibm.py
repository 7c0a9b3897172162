"""The dashboard's Backends tab draws an IBM device from the runtime's one Target reader."""

from __future__ import annotations


def test_details_of_an_ibm_device(ibm):
    from qrt_jupyter.widgets.backends_view import BackendsView
    from qrt_jupyter.widgets.pump import UpdatePump

    pump = UpdatePump(start=False)
    view = BackendsView(ibm, pump=pump)
    try:
        view.select_backend("ibm_manila", wait=True)
        pump.drain()
        details = view.details_of("ibm_manila")
        assert "error" not in details, details
        assert details["name"] == "ibm_manila" and details["num_qubits"] == 5
        assert details["coupling_map"] and details["two_qubit_gate"] in ("ecr", "cz", "cx")
        assert "Readout error" in view.details_html.value
        (figure,) = view.coupling_box.children
        assert len(figure.data[2].x) == 5
    finally:
        view.close()
        pump.stop()
