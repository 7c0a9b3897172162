"""Arrays encoded and decoded with one build or parse per ``.npy`` header are the arrays
``RuntimeEncoder`` and ``RuntimeDecoder`` give."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

from qrt_jupyter.runtime import codec, npy

ARRAYS = {
    "shots, uint8": np.arange(2048, dtype=np.uint8).reshape(1024, 2),
    "bool": np.array([[True, False], [False, True]]),
    "complex": np.array([1 + 2j, -3.5j]),
    "big-endian": np.arange(6, dtype=">i4").reshape(2, 3),
    "0-d": np.array(3.25),
    "empty": np.zeros((0, 4), dtype=np.int64),
    "structured": np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
    "Fortran order": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    "strings": np.array(["ab", "cde"]),
    "a strided view": np.arange(24).reshape(4, 6)[:, ::2],
    "datetimes": np.array(["2026-12-03"], dtype="datetime64[D]"),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_same_array_as_runtime_decoder(name):
    text = codec.encode({"value": ARRAYS[name]})
    theirs = json.loads(text, cls=RuntimeDecoder)["value"]
    for _ in range(2):  # the header read, then remembered
        ours = codec.decode(text)["value"]
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        assert np.array_equal(ours, theirs) and ours.flags.writeable
        for flag in ("c_contiguous", "f_contiguous"):
            assert getattr(ours.flags, flag) == getattr(theirs.flags, flag), flag


def _npy_bytes(array) -> bytes:
    buff = io.BytesIO()
    np.save(buff, array, allow_pickle=False)
    return buff.getvalue()


def test_a_truncated_array_fails_as_np_load_does():
    data = _npy_bytes(np.arange(10))
    npy.load(io.BytesIO(data))  # its header is known now
    with pytest.raises(ValueError) as ours:
        npy.load(io.BytesIO(data[:-8]))
    with pytest.raises(ValueError) as theirs:
        np.load(io.BytesIO(data[:-8]))
    assert str(ours.value) == str(theirs.value)


def test_what_is_not_an_encoded_array_is_runtime_decoder_s():
    not_base64 = json.dumps({"__type__": "ndarray", "__value__": "not an array, " * 5})
    with pytest.raises(Exception) as theirs:
        json.loads(not_base64, cls=RuntimeDecoder)
    with pytest.raises(type(theirs.value)):
        codec.decode(not_base64)
    extrapolator = json.dumps({"__type__": "ndarray", "__value__": "linear"})
    assert codec.decode(extrapolator) == json.loads(extrapolator, cls=RuntimeDecoder)
    listed = json.dumps({"__type__": "ndarray", "__value__": [1, 2]})
    assert codec.decode(listed).tolist() == [1, 2]


def test_an_object_array_is_refused_as_np_load_refuses_it():
    buff = io.BytesIO()
    np.save(buff, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle"):
        npy.load(io.BytesIO(buff.getvalue()))


@pytest.mark.parametrize("name", ARRAYS)
def test_dumps_writes_what_np_save_writes(name):
    for _ in range(2):  # the header made, then remembered
        assert npy.dumps(ARRAYS[name]) == _npy_bytes(ARRAYS[name])


def test_arrays_differing_only_in_byte_order_get_their_own_header():
    little, big = np.arange(4, dtype="<i4"), np.arange(4, dtype=">i4")
    assert npy.dumps(little) == _npy_bytes(little) and npy.dumps(big) == _npy_bytes(big)


def test_a_sampler_result_encoded_here_decodes_as_runtime_encoder_s():
    from qiskit import QuantumCircuit
    from qiskit_aer.primitives import SamplerV2

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    result = SamplerV2(seed=11).run([(bell,)], shots=512).result()
    ours = json.loads(codec.encode_result(result), cls=RuntimeDecoder)  # what IBM's client reads
    theirs = json.loads(json.dumps(result, cls=RuntimeEncoder), cls=RuntimeDecoder)
    assert ours[0].data.meas == theirs[0].data.meas
    assert ours[0].metadata == theirs[0].metadata and ours.metadata == theirs.metadata


def test_object_arrays_are_still_written_as_lists():
    value = np.array([{"a": 1}, None], dtype=object)
    assert json.loads(codec.encode(value)) == json.loads(json.dumps(value, cls=RuntimeEncoder))
