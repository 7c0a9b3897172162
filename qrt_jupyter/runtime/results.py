"""Result decoders: from a program's stored JSON to the objects a Qiskit user works with.

A program returns plain data (dicts, lists, numbers) because that is what travels from the
worker to the store; the decoders here give it back the shape the old service's clients had:
``SamplerResult`` with ``QuasiDistribution``s, ``EstimatorResult`` with a numpy array of
values, and a qiskit ``Result`` for the circuit-runner. ``job.result(decoder=...)`` takes any
of these classes, the same way ``qiskit_ibm_runtime`` did.
"""

from __future__ import annotations

import math
from typing import Any

from qiskit.result import Result

from . import codec


class ResultDecoder:
    """Decode a stored result with ``RuntimeDecoder``; subclasses give it a richer type.

    ``decode`` also accepts objects that were decoded already (a result read back from an
    in-process cache, or a result passed around by a caller), so decoding twice is harmless.
    """

    @classmethod
    def decode(cls, raw: Any) -> Any:
        return codec.decode_lenient(raw)  # a program may return plain, non-JSON text


def _is_primitive_result(value: Any) -> bool:
    from qiskit.primitives import PrimitiveResult

    return isinstance(value, PrimitiveResult)


def _int_keys(dist: dict) -> dict:
    """JSON turns the integer outcomes of a quasi-distribution into decimal strings; undo it.

    Keys that are not decimal (``"0x3"``, ``"0b11"``) are left for ``QuasiDistribution`` to
    parse. The built-in sampler always writes integer outcomes, as IBM's sampler did.
    """
    return {int(k) if isinstance(k, str) and k.isdecimal() else k: v for k, v in dist.items()}


class SamplerResultDecoder(ResultDecoder):
    """``{"quasi_dists", "metadata"}`` → ``qiskit.primitives.SamplerResult``.

    Each ``QuasiDistribution`` carries ``shots`` and the ``stddev_upper_bound`` of IBM's
    decoder: ``sqrt(overhead / shots)``, with the readout-mitigation overhead when there is
    one. A V2 ``PrimitiveResult`` passes through unchanged.
    """

    @classmethod
    def decode(cls, raw: Any):
        from qiskit.primitives import SamplerResult
        from qiskit.result import QuasiDistribution

        decoded = super().decode(raw)
        if _is_primitive_result(decoded) or isinstance(decoded, SamplerResult):
            return decoded
        quasi_dists = []
        metadata = [dict(m) for m in decoded["metadata"]]
        for dist, meta in zip(decoded["quasi_dists"], metadata):
            shots = meta.get("shots")
            kwargs = {}
            if shots:
                overhead = meta.get("readout_mitigation_overhead", 1.0)
                kwargs = {"shots": shots, "stddev_upper_bound": math.sqrt(overhead / shots)}
            quasi_dists.append(QuasiDistribution(_int_keys(dist), **kwargs))
        return SamplerResult(quasi_dists=quasi_dists, metadata=metadata)


class EstimatorResultDecoder(ResultDecoder):
    """``{"values", "metadata"}`` → ``qiskit.primitives.EstimatorResult``.

    ``values`` become a numpy array, so ``result.values[0]`` and arithmetic on them work as
    they did; a V2 ``PrimitiveResult`` passes through unchanged.
    """

    @classmethod
    def decode(cls, raw: Any):
        import numpy as np
        from qiskit.primitives import EstimatorResult

        decoded = super().decode(raw)
        if _is_primitive_result(decoded) or isinstance(decoded, EstimatorResult):
            return decoded
        values = np.asarray(decoded["values"], dtype=float)
        return EstimatorResult(values=values, metadata=[dict(m) for m in decoded["metadata"]])


class RunnerResult(Result, ResultDecoder):
    """The circuit-runner's result: a qiskit ``Result`` that also knows its mitigated data."""

    @classmethod
    def decode(cls, raw: Any) -> "RunnerResult | None":
        decoded = ResultDecoder.decode(raw)
        if decoded is None:
            return None
        if isinstance(decoded, Result):
            decoded = decoded.to_dict()
        return cls.from_dict(decoded)

    def get_quasiprobabilities(self, experiment=None):
        """Readout-mitigated quasi-probabilities of one experiment, or of all when None.

        Returns qiskit ``QuasiDistribution``s, as the old service's ``RunnerResult`` did:
        integer outcomes over the measured clbits, ``binary_probabilities()`` for bitstrings
        of that width, ``nearest_probability_distribution()``; ``shots`` and the
        ``stddev_upper_bound`` of the Sampler's decoder (``sqrt(overhead / shots)``), and
        the mitigation overhead as ``mitigation_overhead``. A list when several experiments
        are asked for. Raises ``QiskitError`` when the job ran without
        ``measurement_error_mitigation``.
        """
        from qiskit.exceptions import QiskitError
        from qiskit.result import QuasiDistribution

        keys = range(len(self.results)) if experiment is None else [experiment]
        out = []
        for key in keys:
            data = self.data(key)
            if "quasiprobabilities" not in data:
                raise QiskitError(
                    f"No quasiprobabilities for experiment {key!r}: run the circuit-runner "
                    "with measurement_error_mitigation=True"
                )
            exp = self._get_experiment(key)
            header = exp.header if isinstance(exp.header, dict) else vars(exp.header or {})
            width = len(header.get("final_measurement_mapping") or {}) or header.get(
                "memory_slots", 0
            )
            quasi = {  # bitstrings of the measured width, so binary_probabilities() pads to it
                format(int(hexkey, 16), f"0{width}b"): float(value)
                for hexkey, value in data["quasiprobabilities"].items()
            }
            overhead = header.get("readout_mitigation_overhead")
            bound = math.sqrt((overhead or 1.0) / exp.shots) if exp.shots else None
            dist = QuasiDistribution(quasi, shots=exp.shots, stddev_upper_bound=bound)
            dist.mitigation_overhead = overhead
            out.append(dist)
        return out[0] if len(out) == 1 else out
