"""The one vocabulary of job facts (qrt_jupyter.status), read from every kind of job."""

import enum

import pytest

from qrt_jupyter import status


class _JobStatus(enum.Enum):  # the shape of qiskit.providers.JobStatus
    QUEUED = "job is queued"
    DONE = "job has successfully run"


@pytest.mark.parametrize(
    "given, name",
    [
        (_JobStatus.DONE, "DONE"),
        ("DONE", "DONE"),
        ("done", "DONE"),
        ("Completed", "DONE"),
        ("Failed", "ERROR"),
        ("Cancelled", "CANCELLED"),
        ("Cancelled - Ran too long", "ERROR"),
        ("JobStatus.QUEUED", "QUEUED"),
        (None, "UNKNOWN"),
        ("", "UNKNOWN"),
    ],
)
def test_status_name_reads_every_spelling(given, name):
    assert status.status_name(given) == name


def test_groups_are_consistent():
    assert status.FINAL_STATUSES.isdisjoint(status.PENDING_STATUSES)
    assert status.WAITING_STATUSES < status.PENDING_STATUSES
    assert status.RUNNING in status.PENDING_STATUSES and status.RUNNING not in status.WAITING_STATUSES
    assert set(status.STATUSES) <= status.FINAL_STATUSES | status.PENDING_STATUSES
    assert status.is_final("Completed") and not status.is_pending("DONE")
    assert status.is_waiting("QUEUED") and not status.is_waiting("RUNNING")


def test_api_status_round_trips():
    for name in status.STATUSES:
        assert status.status_name(status.api_status(name)) == name


class _OldJob:  # the old API: methods
    def job_id(self):
        return "j1"

    def status(self):
        return _JobStatus.QUEUED

    program_id = "hello-world"
    backend_name = "fake_manila"


class _V2Job:  # a V2 job: properties, primitive_id; backend() would block
    job_id = "j2"
    primitive_id = "sampler"

    def status(self):
        raise ConnectionError("network down")

    def backend(self):
        raise AssertionError("must not be asked unless ask=True")


def test_facts_from_any_kind_of_job():
    assert status.job_id_of(_OldJob()) == "j1"
    assert status.status_of(_OldJob()) == "QUEUED"
    assert status.program_of(_OldJob()) == "hello-world"
    assert status.backend_name_of(_OldJob()) == "fake_manila"
    assert status.job_id_of(_V2Job()) == "j2"
    assert status.status_of(_V2Job()) == "UNKNOWN"
    assert status.program_of(_V2Job()) == "sampler"
    assert status.backend_name_of(_V2Job()) == ""
    assert status.fact(_V2Job(), "missing", default=3) == 3
