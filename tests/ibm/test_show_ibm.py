"""``qrt_jupyter.show`` on an IBM ``RuntimeJobV2``: the terminal line is live, fed by the monitor's polls."""

from __future__ import annotations

from support import bell


def test_terminal_line_follows_an_ibm_job_to_done(ibm, fake_cloud, capsys):
    import qrt_jupyter
    from qrt_jupyter.monitor import monitor_job

    job = ibm.run("sampler", {"circuits": bell()})
    monitor = monitor_job(job)
    try:
        fake_cloud.auto_advance = True  # one step per status request: every state is seen
        qrt_jupyter.show(job, wait=True)
        lines = capsys.readouterr().out.splitlines()
        statuses = [line.rsplit(": ", 1)[1] for line in lines]
        assert statuses[-1] == "DONE" and "RUNNING" in statuses
        assert all(line.startswith(f"sampler job {job.job_id()}") for line in lines)
    finally:
        monitor.stop()
