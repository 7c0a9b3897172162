"""Sampler, Estimator and Options as qiskit-ibm-runtime's V1 primitives had them, running on the local runtime.

The primitives here are thin clients: they turn the user's call into the
inputs of the built-in ``sampler`` / ``estimator`` programs and submit them
with ``service.run`` (or ``session.run``). So every primitive call is an
ordinary :class:`~qrt_jupyter.runtime.jobs.RuntimeJob` — queued, visible in
``service.jobs()`` and the dashboard, with a queue position, interim results,
logs and history — rather than a computation hidden in the kernel.

Two call styles are understood, because users arrive with either:

- V1 style (qiskit-ibm-runtime's first primitives)::

      Sampler(session=session, options=options).run(circuits=bell)
      Estimator(session=session).run(circuits=[psi], observables=[H1], parameter_values=[theta])

  whose jobs give a ``SamplerResult`` (``quasi_dists``) or an
  ``EstimatorResult`` (``values``, variances in ``metadata``);
- qiskit's V2 primitives::

      Sampler(mode=session).run([(circuit, values)], shots=1000)
      Estimator(mode=backend).run([(psi, H1, theta)])

  whose jobs give a ``PrimitiveResult``.

Which one a ``run`` call means is decided by how it is called (``pubs=``, or
``circuits=``/``observables=``), then by the constructor (``mode=`` means V2),
then by the items (tuples are pubs). ``Sampler(backend).run([circuit])`` is
therefore V1 style; write ``Sampler(mode=backend)`` for V2.

qiskit is imported inside the functions that need it, so
``from qrt_jupyter import Options`` stays cheap.
"""

from .estimator import Estimator
from .options import EnvironmentOptions, ExecutionOptions, Options, TranspilationOptions
from .sampler import Sampler

__all__ = ["Estimator", "EnvironmentOptions", "ExecutionOptions", "Options", "Sampler", "TranspilationOptions"]
