"""Every private attribute of qiskit, qiskit-aer, qiskit-ibm-runtime and plotly this package reads, in one place.

Some facts have no public accessor: a fake device loads its noise model only
on its first ``run()``, a backend's options cannot be copied back without
``_options``, a plain qiskit primitive's job does not say which backend it
runs on. Each such reliance is one function here, named after what it gives,
with a test of its own (tests/test_compat.py) against the installed versions;
pyproject.toml caps those versions, so an upgrade that moves an attribute
fails a test instead of a user's job. Nothing here imports qiskit at module
level: every function works on objects it is given, or imports lazily.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any, Iterator

__all__ = [
    "aer_default_configuration",
    "aer_memory_here",
    "aer_target_key",
    "figure_widget_with_layout",
    "ibm_backend_client",
    "ibm_job_cached_facts",
    "ibm_job_reason",
    "job_future",
    "load_fake_device_noise",
    "options_restored",
    "primitive_job_backend",
    "primitive_of_job",
    "sampler_result_here",
]


# -- backends ------------------------------------------------------------------------------


def aer_default_configuration() -> dict:
    """A copy of ``AerSimulator``'s default configuration dict, to build a simulator under
    another name and size (``AerSimulator._DEFAULT_CONFIGURATION``)."""
    from qiskit_aer import AerSimulator

    return dict(AerSimulator._DEFAULT_CONFIGURATION)


def aer_target_key(backend: Any) -> tuple | None:
    """What a plain ``AerSimulator``'s ``target`` is built from, as a hashable key; None for
    any other backend.

    Such a simulator builds a new ``Target`` on every ``target`` access (about a millisecond,
    most of a warm Bell job's compile step), from its configuration, which only its method,
    its noise model and the options kept in ``_options_configuration`` and
    ``_options_properties`` change. Two equal keys mean equal targets, so a pass manager
    built for one serves the other without reading ``target`` again.
    """
    from qiskit_aer import AerSimulator

    if not isinstance(backend, AerSimulator) or getattr(backend, "_from_backend", True):
        return None
    try:
        extra = (repr(sorted(backend._options_configuration.items())),
                 repr(sorted(backend._options_properties.items())))
    except (AttributeError, TypeError):
        return None
    options = backend.options
    return (id(backend._configuration), getattr(options, "method", None),
            id(getattr(options, "noise_model", None)), extra)


def sampler_result_here(sampler: Any, pubs: list) -> Any:
    """``sampler.run(pubs).result()`` of a ``BackendSamplerV2``, computed on this thread
    (its ``_validate_pubs`` and ``_run``).

    ``run()`` hands the work to a new ``PrimitiveJob`` thread and waits for it: in a
    worker, whose job already has a process of its own, that is one more thread start
    and wake-up per job for nothing. Other samplers, and subclasses with a ``run()`` of their
    own, go through ``run()``.
    """
    from qiskit.primitives import BackendSamplerV2
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    if not isinstance(sampler, BackendSamplerV2) or type(sampler).run is not BackendSamplerV2.run:
        return sampler.run(pubs).result()
    coerced = [SamplerPub.coerce(pub, sampler.options.default_shots) for pub in pubs]
    sampler._validate_pubs(coerced)
    return sampler._run(coerced)


def aer_memory_here(simulator: Any, circuits: list, run_options: dict) -> list[list[str]] | None:
    """Each circuit's per-shot memory (hex strings, as ``Result.get_memory`` has them) from
    ``simulator.run(circuits, memory=True, **run_options)``, computed on this thread.

    ``AerBackend.run`` hands ``_execute_circuits_job`` to a job thread and wraps its output in
    a ``Result``; this calls it here with ``format_result=False``, the same simulation (same
    options, same seed) without the thread or the ``Result`` objects. None when Aer reports
    a failure or leaves out a memory: the caller then takes the public path, which reports
    it as it always did.
    """
    output = simulator._execute_circuits_job(list(circuits), None, {**run_options, "memory": True}, "",
                                             format_result=False)
    if not isinstance(output, dict) or not output.get("success"):
        return None
    memories = []
    for result in output.get("results") or ():
        memory = (result.get("data") or {}).get("memory") if result.get("success") else None
        if not memory:
            return None
        memories.append(memory)
    return memories if len(memories) == len(circuits) else None


def load_fake_device_noise(device: Any) -> None:
    """Make a fake device put its noise model into its options now (``FakeBackendV2._setup_sim``).

    It does so only on its first ``run()``; options saved before that and
    restored after a job (:func:`options_restored`) would drop the noise.
    """
    setup = getattr(device, "_setup_sim", None)
    if callable(setup):
        setup()


@contextlib.contextmanager
def options_restored(backend: Any) -> Iterator[None]:
    """Give ``backend`` its options back afterwards, whatever ``set_options()`` did meanwhile.

    A worker caches backends across jobs: one program's ``set_options(shots=...)``
    must not outlive its job. qiskit offers no way to replace a backend's
    options, so the ``_options`` attribute (of ``BackendV2`` and Aer) is copied
    and put back. Objects without it are left alone.
    """
    saved = copy.copy(getattr(backend, "_options", None))
    try:
        yield
    finally:
        if saved is not None:
            backend._options = saved


def ibm_backend_client(backend: Any) -> dict[str, Any]:
    """The REST client and instance CRN an ``IBMBackend`` was made with (``_api_client``,
    ``_instance``; None where it has none): what a copy of it (``RunnableIBMBackend``) must
    be given, and which instance a device is reached through."""
    return {"api_client": getattr(backend, "_api_client", None), "instance": getattr(backend, "_instance", None)}


# -- jobs ------------------------------------------------------------------------------------


def job_future(job: Any) -> Any:
    """The ``concurrent.futures.Future`` behind a qiskit ``PrimitiveJob`` (``_future``), or None.

    ``PrimitiveJob.status()`` reports ERROR for a future that has not started
    (and caches it); the future itself says QUEUED or RUNNING truthfully.
    """
    return getattr(job, "_future", None)


def primitive_of_job(job: Any) -> Any:
    """The primitive (``StatevectorSampler``, ``BackendSamplerV2``, ...) that made a
    ``PrimitiveJob``: the owner of its bound ``_function``; None if it cannot be told."""
    return getattr(getattr(job, "_function", None), "__self__", None)


def primitive_job_backend(job: Any) -> Any:
    """The backend object a job runs on, without asking anything that may block; or None.

    The job's own ``_backend`` (``BasePrimitiveJob`` subclasses, IBM's jobs),
    else that of the primitive that made it (``BackendSamplerV2._backend``, or a
    public ``backend`` attribute that is a backend, not a method).
    """
    backend = getattr(job, "_backend", None)
    if backend is not None:
        return backend
    owner = primitive_of_job(job)
    backend = getattr(owner, "_backend", None) or getattr(owner, "backend", None)
    if callable(backend) and not hasattr(backend, "run"):
        return None
    return backend


def ibm_job_cached_facts(job: Any) -> dict[str, Any]:
    """What a ``RuntimeJobV2`` knows without a request (``_program_id``, ``_creation_date``,
    ``_session_id``): its public properties ask the service when they are not cached."""
    return {
        "program": getattr(job, "_program_id", None),
        "created": getattr(job, "_creation_date", None),
        "session_id": getattr(job, "_session_id", None),
    }


def ibm_job_reason(job: Any) -> str | None:
    """Why IBM's service says a ``RuntimeJobV2`` failed or was cancelled (``_reason``), as last read.

    The public ``error_message()`` wraps it in text of its own; the monitor
    shows the service's own words.
    """
    return getattr(job, "_reason", None)


# -- plotly ----------------------------------------------------------------------------------


def figure_widget_with_layout(layout: dict) -> Any:
    """A plotly ``FigureWidget`` on ``layout`` taken as it is (``_validate=False``), which
    validates every change made afterwards as usual.

    For a layout plotly has already validated (a ``Layout(...).to_plotly_json()``): checking
    it again is three quarters of a new figure's cost, and the job widget makes its figures
    while the job runs, on the GIL the job's messages are recorded with.
    """
    import plotly.graph_objects as go

    figure = go.FigureWidget(layout=layout, _validate=False)
    figure._validate = True
    return figure
