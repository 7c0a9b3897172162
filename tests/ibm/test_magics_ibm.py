"""The magics on the IBM service: ``%qrt_service ibm`` against the fake IBM Cloud.

Only the network is replaced (``tests/ibm/conftest.py``); the client, the
adapter and the magics are the real ones.
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from qrt_jupyter import active
from support import bell


@pytest.fixture
def ip(empty_ip):
    """The shared shell (tests/conftest.py), starting on a local home of its own."""
    return empty_ip


def test_service_ibm_then_listings_then_back_to_local(ip, network, saved_account, capsys):
    ip.run_line_magic("qrt_service", f"ibm --account {saved_account} -o svc")
    out = capsys.readouterr().out
    assert out.startswith("Active service: IBM Quantum") and "APIKEY" not in out
    assert active.current() is ip.user_ns["svc"]

    ip.run_line_magic("qrt_backends", "")
    text = capsys.readouterr().out
    assert "Backends · IBM Quantum" in text and "pending jobs" in text
    names = [backend.name for backend in ip.user_ns["svc"].backends()]
    assert names and names[0] in text

    with pytest.raises(UsageError, match="backend 'nowhere'"):
        ip.run_line_magic("qrt_run", "sampler -b nowhere")
    with pytest.raises(UsageError, match="unknown job 'no-such-job'"):
        ip.run_line_magic("qrt_job", "no-such-job")

    ip.run_line_magic("qrt_service", "local")
    assert "local runtime" in capsys.readouterr().out


def test_run_sampler_on_ibm_with_wait(ip, network, saved_account, capsys):
    network.auto_advance = True  # the fake job moves one status per status request
    ip.user_ns["bell"] = bell()
    ip.run_line_magic("qrt_service", f"ibm --account {saved_account}")
    backend = active.current().backends()[0].name
    capsys.readouterr()
    ip.run_line_magic("qrt_run", f"sampler -i pubs=[(bell,)] --shots 100 -b {backend} -o job --wait")
    job = ip.user_ns["job"]
    out = capsys.readouterr().out
    assert f"sampler job {job.job_id()} on {backend}: DONE" in out
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 100

    ip.run_line_magic("qrt_jobs", "")
    assert job.job_id() in capsys.readouterr().out
    with pytest.raises(UsageError, match="already"):
        ip.run_line_magic("qrt_cancel", job.job_id())
    ip.user_ns.pop("bell")
    ip.user_ns.pop("job")
