"""The IBM device handed to an uploaded program's ``main`` inside a local worker.

IBM's cloud no longer runs uploaded programs, so ``IBMService.run("my-program")``
runs ``main(backend, user_messenger, **inputs)`` in the local runtime with an
IBM device as ``backend``. The local runtime builds that backend in its worker
process through the backend factory this package registers for the prefix ``ibm``
(``register_backend_factory`` in ``qrt_jupyter/ibm/__init__.py``), i.e. by calling
:func:`make_backend` with the name ``ibm:<account>:<instance>:<backend>`` (see
:mod:`.names`). The worker opens its own ``QiskitRuntimeService`` from the
*saved* account, so no secret ever passes through the job store.

Programs written for the old runtime call ``backend.run(circuits)``, which
``IBMBackend`` no longer supports; :class:`RunnableIBMBackend` adds it back on
top of ``SamplerV2`` (transpile, sample, and a qiskit ``Result`` with counts),
while still being an ``IBMBackend``, so ``SamplerV2(mode=backend)`` and
``EstimatorV2(mode=backend)`` in the program go straight to IBM.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from qiskit.providers import JobStatus, JobV1
from qiskit_ibm_runtime.ibm_backend import IBMBackend

from .._compat import ibm_backend_client
from .accounts import accounts_file, open_service
from .names import CHANNELS, parse_backend_ref

_services: dict[tuple, Any] = {}
_lock = threading.Lock()


def make_backend(name: str) -> "RunnableIBMBackend":
    """Build the IBM backend for ``name`` (``[ibm:]<account>:<instance>:<backend>``).

    The service is cached per account and instance: a warm worker runs many jobs
    and connecting costs several round trips.
    """
    account, instance, backend_name = parse_backend_ref(name)
    service = _service(account, instance)
    return RunnableIBMBackend.from_backend(service.backend(backend_name, instance=instance))


def _service(account: str, instance: str | None):
    filename = accounts_file()
    key = (account, instance, filename)
    with _lock:
        service = _services.get(key)
        if service is None:
            channel, name = (account, None) if account in CHANNELS else (None, account)
            service, _ref = open_service(channel=channel, account=name, instance=instance, filename=filename)
            _services[key] = service
        return service


class RunnableIBMBackend(IBMBackend):
    """An ``IBMBackend`` whose ``run(circuits)`` works again, through ``SamplerV2``."""

    @classmethod
    def from_backend(cls, backend: IBMBackend) -> "RunnableIBMBackend":
        runnable = cls(
            configuration=backend.configuration(),
            service=backend.service,
            **ibm_backend_client(backend),
            calibration_id=backend.calibration_id,
            physical_qubits=backend.physical_qubits,
            is_mock=backend.is_mock,
        )
        runnable.options.use_fractional_gates = backend.options.use_fractional_gates
        return runnable

    def run(self, run_input, **options) -> "SamplerCountsJob":  # type: ignore[override]
        """Transpile ``run_input`` for this device and sample it; ``shots`` and ``memory`` are honoured."""
        from qiskit import QuantumCircuit
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_ibm_runtime import SamplerV2

        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        shots = int(options.get("shots") or self.options.shots)
        manager = generate_preset_pass_manager(
            optimization_level=int(options.get("optimization_level", 1)), backend=self,
            seed_transpiler=options.get("seed_transpiler"),
        )
        isa = manager.run(circuits)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"The SamplerV2 class is deprecated",
                                    category=DeprecationWarning)
            job = SamplerV2(mode=self).run(isa, shots=shots)
        return SamplerCountsJob(self, job, circuits, shots, memory=bool(options.get("memory")))


_STATUS = {name: JobStatus[name] for name in ("INITIALIZING", "QUEUED", "VALIDATING", "RUNNING",
                                               "CANCELLED", "DONE", "ERROR")}


class SamplerCountsJob(JobV1):
    """The ``backend.run`` job: a ``RuntimeJobV2`` whose result reads as counts."""

    def __init__(self, backend, runtime_job, circuits, shots: int, memory: bool = False):
        super().__init__(backend, runtime_job.job_id())
        self.runtime_job = runtime_job
        self._circuits = circuits
        self._shots = shots
        self._memory = memory

    def submit(self):
        raise RuntimeError("this job was submitted when backend.run() returned it")

    def status(self) -> JobStatus:
        return _STATUS.get(str(self.runtime_job.status()), JobStatus.RUNNING)

    def cancel(self):
        self.runtime_job.cancel()

    def result(self, timeout: float | None = None):
        from qiskit.result import Result

        primitive_result = self.runtime_job.result(timeout=timeout)
        experiments = []
        for circuit, pub_result in zip(self._circuits, primitive_result):
            data: dict[str, Any] = {"counts": {}}
            if circuit.num_clbits:
                joined = pub_result.join_data()
                data["counts"] = {hex(int(k, 2)): v for k, v in joined.get_counts().items()}
                if self._memory:
                    data["memory"] = [hex(int(b, 2)) for b in joined.get_bitstrings()]
            experiments.append({
                "shots": self._shots, "success": True, "data": data, "meas_level": 2,
                "header": {"name": circuit.name, "memory_slots": circuit.num_clbits,
                           "creg_sizes": [[reg.name, reg.size] for reg in circuit.cregs],
                           "metadata": circuit.metadata},
            })
        return Result.from_dict({
            "backend_name": self._backend.name, "backend_version": self._backend.backend_version,
            "job_id": self.job_id(), "qobj_id": self.job_id(), "success": True, "results": experiments,
        })
