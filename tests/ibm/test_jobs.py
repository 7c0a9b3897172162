"""IBM jobs: listing with filters and paging, status transitions, results, cancel, delete."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from qiskit.primitives import PrimitiveResult
from qiskit_ibm_runtime import RuntimeJobV2
from qiskit_ibm_runtime.exceptions import (
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobNotFound,
)
from support import bell


@pytest.fixture
def history(fake_cloud):
    """25 jobs already on the service, one minute apart, newest last."""
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    ids = []
    for i in range(25):
        ids.append(fake_cloud.add_job(
            program_id="estimator" if i % 5 == 0 else "sampler",
            backend="ibm_nairobi" if i % 2 else "ibm_manila",
            status="QUEUED" if i >= 22 else ("ERROR" if i == 3 else "DONE"),
            created=start + timedelta(minutes=i),
        ))
    return ids[::-1]  # newest first, as the service lists them


def ids(jobs):
    return [job.job_id() for job in jobs]


def test_jobs_newest_first_with_paging(ibm, history):
    first = ibm.jobs()
    assert all(isinstance(job, RuntimeJobV2) for job in first)
    assert ids(first) == history[:10]
    assert ids(ibm.jobs(limit=10, skip=10)) == history[10:20]
    assert ids(ibm.jobs(limit=10, skip=20)) == history[20:]
    assert ids(ibm.jobs(limit=None)) == history


def test_jobs_filters(ibm, history, fake_cloud):
    pending = ibm.jobs(pending=True)
    assert ids(pending) == history[:3]
    assert {job.status() for job in pending} == {"QUEUED"}
    assert len(ibm.jobs(pending=False, limit=None)) == 22
    nairobi = ibm.jobs(backend_name="ibm_nairobi", limit=None)
    assert len(nairobi) == 12 and {job.backend().name for job in nairobi} == {"ibm_nairobi"}
    estimator = ibm.jobs(program_id="estimator", limit=None)
    assert len(estimator) == 5 and {job.primitive_id for job in estimator} == {"estimator"}
    both = ibm.jobs(program_id="estimator", backend_name="ibm_nairobi", limit=None)
    assert ids(both) == [fake_cloud.jobs[i].id for i in history
                         if fake_cloud.jobs[i].program_id == "estimator"
                         and fake_cloud.jobs[i].backend == "ibm_nairobi"]
    # a local-runtime reference works as a backend filter too
    ref = ibm.backend("ibm_nairobi").ref
    assert ids(ibm.jobs(backend_name=ref, limit=None)) == ids(nairobi)


def test_job_by_id(ibm, history):
    job = ibm.job(history[0])
    assert job.job_id() == history[0] and job.status() == "QUEUED"
    with pytest.raises(RuntimeJobNotFound):
        ibm.job("d9999doesnotexist")


def test_status_transitions_and_primitive_result(ibm, fake_cloud):
    job = ibm.run("sampler", {"circuits": bell(), "shots": 200}, options={"backend_name": "ibm_manila"})
    seen = [job.status()]
    fake_cloud.advance(job.job_id())
    seen.append(job.status())
    fake_cloud.advance(job.job_id())
    seen.append(job.status())
    assert seen == ["QUEUED", "RUNNING", "DONE"]

    result = job.result()
    assert isinstance(result, PrimitiveResult)
    counts = result[0].data.meas.get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 200

    metrics = job.metrics()
    assert set(metrics["timestamps"]) == {"created", "running", "finished"}
    assert "started on ibm_manila" in job.logs()
    assert ibm.job(job.job_id()).status() == "DONE"


def test_wait_for_final_state(ibm, fake_cloud):
    fake_cloud.auto_advance = True  # one step per status request
    job = ibm.run("sampler", {"circuits": bell()})
    job.wait_for_final_state(timeout=30)
    assert job.status() == "DONE"


def test_cancel_a_queued_job(ibm, fake_cloud):
    job = ibm.run("sampler", {"circuits": bell()})
    assert job.status() == "QUEUED"
    job.cancel()
    assert job.status() == "CANCELLED"
    assert ibm.job(job.job_id()).status() == "CANCELLED"  # the service agrees
    with pytest.raises(RuntimeInvalidStateError, match="cancelled"):
        job.result()


def test_cancel_a_finished_job_is_refused(ibm, fake_cloud):
    job = ibm.run("sampler", {"circuits": bell()})
    fake_cloud.set_status(job.job_id(), "DONE")
    with pytest.raises(RuntimeInvalidStateError, match="cannot be cancelled"):
        job.cancel()


def test_failed_job(ibm, fake_cloud):
    job = ibm.run("sampler", {"circuits": bell()})
    fake_cloud.set_status(job.job_id(), "ERROR", reason="qubit 3 is out of calibration")
    assert job.status() == "ERROR"
    with pytest.raises(RuntimeJobFailureError, match="out of calibration"):
        job.result()


def test_delete_job(ibm, history):
    ibm.delete_job(history[5])
    with pytest.raises(RuntimeJobNotFound):
        ibm.job(history[5])
    with pytest.raises(RuntimeJobNotFound):
        ibm.delete_job(history[5])


def test_monitor_follows_an_ibm_job_to_its_result(ibm, fake_cloud):
    """What watch(job) and %qrt_job build on: the monitor layer polling a RuntimeJobV2."""
    from qrt_jupyter.monitor import monitor_job

    job = ibm.run("estimator", {"circuits": bell().remove_final_measurements(inplace=False),
                                "observables": "ZZ"})
    monitor = monitor_job(job)
    try:
        fake_cloud.auto_advance = True
        assert monitor.wait(30)
        snap = monitor.snapshot
        assert snap.status == "DONE" and snap.kind == "ibm-runtime" and snap.has_result
        assert snap.backend == "ibm_nairobi"
        assert float(snap.result[0].data.evs) == pytest.approx(1.0)
    finally:
        monitor.stop()
