"""The private attribute the monitor adds to ``qrt_jupyter._compat``, against the real class."""

from __future__ import annotations

from qrt_jupyter import _compat


class FailedJobClient:
    """Answers RuntimeJobV2's one status request as IBM's service does for a failed job."""

    def job_get(self, job_id, exclude_params=True):
        return {"state": {"status": "Failed", "reason": "out of quota"}, "created": "2024-01-01T00:00:00Z"}

    def job_results(self, job_id):
        return "Traceback: the job failed"


def test_ibm_job_reason_is_the_services_own_words():
    from qiskit_ibm_runtime import RuntimeJobV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    job = RuntimeJobV2(backend=FakeManilaV2(), api_client=FailedJobClient(), job_id="j1",
                       program_id="sampler", service=None)
    assert _compat.ibm_job_reason(job) is None  # nothing read yet
    assert job.status() == "ERROR"
    assert _compat.ibm_job_reason(job) == "out of quota"
    assert _compat.ibm_job_reason(object()) is None
