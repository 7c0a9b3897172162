"""The adapter for ``qiskit_ibm_runtime.RuntimeJobV2``: every look is a request to IBM's service.

So it is polled gently (a longer ``min_interval`` and ``max_interval``), never on the caller's
thread (``watch(job)`` must not wait for the network), and what the job has
cached is read before anything is asked.
"""

from __future__ import annotations

from typing import Any

from .._compat import ibm_job_cached_facts, ibm_job_reason, primitive_job_backend
from ..status import fact
from .polled import PolledJobMonitor, backend_label
from .snapshots import PrefixView
from .times import aware

__all__ = ["IBMRuntimeJobMonitor"]


class IBMRuntimeJobMonitor(PolledJobMonitor):
    """``qiskit_ibm_runtime.RuntimeJobV2``."""

    kind = "ibm-runtime"
    min_interval = 0.5
    max_interval = 5.0

    first_poll_on_caller = False

    def _static_facts(self) -> dict[str, Any]:
        cached = ibm_job_cached_facts(self.job)  # the rest arrives with the first poll
        return dict(
            program=cached["program"],
            backend=backend_label(primitive_job_backend(self.job)),
            created=aware(cached["created"]),
            session_id=cached["session_id"],
        )

    def _live_facts(self) -> dict[str, Any]:
        if self._snapshot.created is not None:
            return {}
        return {"created": aware(fact(self.job, "creation_date"))}

    def _final_facts(self, status: str) -> dict[str, Any]:
        facts = super()._final_facts(status)
        metrics = fact(self.job, "metrics") or {}
        stamps = metrics.get("timestamps", {}) if isinstance(metrics, dict) else {}
        facts["started"] = aware(stamps.get("running")) or facts.get("started") or self._snapshot.started
        facts["finished"] = aware(stamps.get("finished")) or facts["finished"]
        if self._snapshot.created is None:
            facts["created"] = aware(stamps.get("created"))
        logs = fact(self.job, "logs")
        if logs:
            with self._lock:
                self._logs = [logs]
            facts["log_chunks"] = PrefixView(self._logs)
        facts["reason"] = ibm_job_reason(self.job)
        return facts

    def _error_message(self) -> str:
        return fact(self.job, "error_message") or "The job failed."
