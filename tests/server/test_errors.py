"""How exceptions become answers (the mapping itself, with the runtime's real exception classes)."""

from __future__ import annotations

import logging
import sqlite3

from qiskit_ibm_runtime import exceptions as ibm

from qrt_jupyter.server.errors import ApiError, did_you_mean, from_exception


def test_the_runtimes_exceptions_map_to_their_codes():
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    cases = [(ibm.RuntimeProgramNotFound("no"), 404), (ibm.RuntimeJobNotFound("no"), 404),
             (QiskitBackendNotFoundError("no"), 404), (ibm.RuntimeInvalidStateError("closed"), 409),
             (ibm.IBMNotAuthorizedError("built-in"), 403), (ibm.IBMInputValueError("bad"), 400),
             (sqlite3.OperationalError("database is locked"), 503), (ApiError(418, "tea"), 418)]
    for exc, code in cases:
        assert from_exception(exc).code == code, exc


def test_an_unexpected_exception_is_a_500_with_a_log_id_and_no_traceback(caplog):
    try:
        {}["missing"]
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="qrt_jupyter.server"):
            err = from_exception(exc)
    assert err.code == 500 and err.message.startswith("internal error (see the server log, id ")
    log_id = err.message.rsplit(" ", 1)[1].rstrip(")")
    assert "Traceback" not in err.message and "missing" not in err.message
    assert any(log_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_did_you_mean_names_the_closest():
    err = did_you_mean("backend", "fake_manla", ["fake_manila", "fake_lima", "ibmq_qasm_simulator"], "GET /backends")
    assert err.code == 404 and "Did you mean 'fake_manila'" in err.message and "GET /backends" in err.message
    assert "Did you mean" not in did_you_mean("job", "zzz", ["abc"], "GET /jobs").message
