"""Loaded by worker processes of the local runtime in the IBM tests (via PYTHONPATH).

Workers are separate processes, so the test network of ``netredirect`` must be
installed in them too; it is, only when the tests set ``QRT_TEST_IBM_NET``.
"""

import os
import sys

if os.environ.get("QRT_TEST_IBM_NET"):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        import netredirect

        netredirect.install_from_env()
    finally:
        sys.path.pop(0)
