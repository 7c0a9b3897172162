"""Small runtime programs used by the runtime tests (source text, as a user uploads it)."""

LOOP = '''
import time

def main(backend, user_messenger, n=3, sleep=0.0, fail_at=None):
    print("starting", n)
    for i in range(n):
        if fail_at is not None and i == fail_at:
            raise ValueError(f"boom at {i}")
        user_messenger.publish({"i": i})
        if sleep:
            time.sleep(sleep)
    return {"n": n, "backend": backend.name}
'''

GATED = '''
import os
import time

def main(backend, user_messenger, n, gate, before_gate):
    """Publishes ``before_gate`` results, waits until the file ``gate`` exists, then the rest."""
    for i in range(n):
        if i == before_gate:
            while not os.path.exists(gate):
                time.sleep(0.01)
        user_messenger.publish({"i": i})
    return {"n": n}
'''

LOOP_SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "minimum": 0},
        "sleep": {"type": "number"},
        "fail_at": {"type": ["integer", "null"]},
    },
    "additionalProperties": False,
}

CRASH = '''
import os

def main(backend, user_messenger):
    user_messenger.publish("about to crash")
    os._exit(3)
'''

LOGGING = '''
import logging, sys

def main(backend, user_messenger):
    print("to stdout")
    print("to stderr", file=sys.stderr)
    logging.getLogger("my.program").warning("a warning")
    logging.getLogger("my.program").debug("a debug line")
    return "ok"
'''


def upload(service, source=LOOP, name="loop", schema=LOOP_SCHEMA, max_execution_time=60):
    return service.upload_program(source, name=name, description=f"test program {name}",
                                  max_execution_time=max_execution_time, parameters=schema)

SET_SHOTS = '''
def main(backend, user_messenger, shots=None):
    if shots is not None:
        backend.set_options(shots=shots)
    return backend.options.shots
'''
