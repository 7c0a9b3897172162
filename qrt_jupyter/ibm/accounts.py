"""Opening a ``QiskitRuntimeService`` from a saved account, failing fast and clearly.

Both the notebook (``connect``) and the worker processes of the local runtime
(``worker_backend``) come through here, so they find accounts the same way and
raise the same one-line errors.

Why not just call ``QiskitRuntimeService(...)``:

* with no account saved the client raises a message about channel names that
  does not say how to save one;
* with a refused API key *and* with no network it raises the same
  "Unable to retrieve instances. Please check that you are using a valid API
  token", after up to a minute of waiting on an unreachable host.

So we (1) look the account up ourselves with the client's ``AccountManager`` (the
same lookup the service does), (2) probe the IAM host with a short timeout,
which answers "no network" within seconds and without sending the key, and
(3) build the service and, if it fails, read the exception chain it leaves
behind to say whether a server refused us or nobody answered.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import urlparse

from .errors import (
    SAVE_HINT,
    IBMAccountNotFoundError,
    IBMAuthenticationError,
    IBMConnectionError,
    IBMNetworkError,
    http_refusal,
    network_reason,
    redact,
)
from .names import CHANNELS

logger = logging.getLogger(__name__)

ACCOUNTS_FILE_ENV = "QRT_IBM_ACCOUNTS_FILE"
"""A non-default accounts file for this process *and* the local runtime's workers.

``QiskitRuntimeService`` only takes ``filename=`` per call; worker processes
cannot be handed a call argument, but they inherit the environment.
"""

PROBE_TIMEOUT = 5.0
"""Seconds to wait for the IAM host before calling the network down."""


@dataclass(frozen=True)
class AccountRef:
    """Which saved account is in use, by name and channel: never the token.

    ``name`` is None for an account that is not in the file (the client's
    ``QISKIT_IBM_TOKEN`` environment variables); ``key`` then falls back to the
    channel, which selects the same account again in another process.
    """

    name: str | None
    channel: str
    filename: str | None
    api_url: str | None = None  # for a quick reachability probe; None when behind a proxy
    verify: bool = True

    @property
    def key(self) -> str:
        return self.name or self.channel

    def describe(self) -> str:
        return f"account '{self.name}'" if self.name else f"the default {self.channel} account"


def accounts_file(filename: str | None = None) -> str | None:
    """``filename``, else ``$QRT_IBM_ACCOUNTS_FILE``, else None (the client's default file)."""
    return filename or os.environ.get(ACCOUNTS_FILE_ENV) or None


def _default_file_text(filename: str | None) -> str:
    if filename:
        return filename
    from qiskit_ibm_runtime.accounts.management import _DEFAULT_ACCOUNT_CONFIG_JSON_FILE

    return _DEFAULT_ACCOUNT_CONFIG_JSON_FILE


def load_account(channel: str | None = None, account: str | None = None, filename: str | None = None):
    """The client's ``Account`` for these arguments and its :class:`AccountRef`.

    Raises :class:`IBMAccountNotFoundError` (with the ``save_account`` call to
    make) when nothing matches.
    """
    from qiskit_ibm_runtime.accounts import AccountManager, AccountNotFoundError

    if channel is not None and channel not in CHANNELS:
        raise IBMConnectionError(
            f"Unknown channel '{channel}'; use one of {', '.join(CHANNELS)}."
        )
    filename = accounts_file(filename)
    where = _default_file_text(filename)
    try:
        found = AccountManager.get(filename=filename, name=account, channel=channel)
    except AccountNotFoundError:
        raise IBMAccountNotFoundError(_not_found_message(channel, account, filename, where)) from None
    except (ValueError, OSError) as exc:  # unreadable JSON, a directory, permissions
        raise IBMConnectionError(f"Cannot read the IBM accounts file {where}: {exc}") from None
    except Exception as exc:  # InvalidAccountError: a saved entry the client rejects
        raise IBMConnectionError(
            f"The saved IBM account in {where} is invalid: {' '.join(str(exc).split())}"
        ) from None

    name = account or _saved_name_of(found, filename)
    return found, AccountRef(name=name, channel=found.channel, filename=filename)


def _not_found_message(channel, account, filename, where) -> str:
    saved = _saved_names(filename)
    listing = f" Saved accounts: {', '.join(saved)}." if saved else ""
    if account:
        what = f"No saved IBM Quantum account is named '{account}' (in {where})."
        hint = SAVE_HINT.replace("save_account(", f"save_account(name='{account}', ")
    elif channel:
        what = f"No IBM Quantum account is saved for channel '{channel}' (in {where})."
        hint = SAVE_HINT.replace("'ibm_quantum_platform'", f"'{channel}'")
    else:
        what = f"No IBM Quantum account is saved (in {where})."
        hint = SAVE_HINT
    return f"{what}{listing} Save one with {hint}, then connect again."


def _saved_names(filename: str | None) -> list[str]:
    from qiskit_ibm_runtime.accounts import AccountManager

    try:
        return sorted(AccountManager.list(filename=filename))
    except Exception:
        return []


def _saved_name_of(found, filename: str | None) -> str | None:
    """The name under which ``found`` is saved, so workers can load it by name."""
    from qiskit_ibm_runtime.accounts import AccountManager

    try:
        saved = AccountManager.list(filename=filename)
    except Exception:
        return None
    for name, candidate in saved.items():
        if candidate == found:  # Account.__eq__: channel, token, url, instance, proxies, verify
            return name
    return None


def iam_url(account) -> str:
    """The IAM endpoint the client contacts first (same rule as ``Account``)."""
    from qiskit_ibm_runtime.accounts.utils import get_iam_api_url

    return os.environ.get("IAM_URL") or get_iam_api_url(account.url)


def probe(account, timeout: float = PROBE_TIMEOUT) -> None:
    """Raise :class:`IBMNetworkError` unless the IAM host answers within ``timeout``.

    Any HTTP answer counts, even an error status: we only ask whether the
    network reaches IBM Cloud. The API key is not sent.
    """
    kwargs = account.proxies.to_request_params() if account.proxies else {}
    probe_url(iam_url(account), verify=account.verify is not False, timeout=timeout, **kwargs)


def probe_url(url: str, verify: bool = True, timeout: float = PROBE_TIMEOUT,
              what: str = "IBM Cloud", **kwargs) -> None:
    """Raise :class:`IBMNetworkError` unless ``url``'s host answers HTTP within ``timeout``."""
    import requests

    try:
        requests.get(url, timeout=(timeout, timeout), verify=verify, allow_redirects=False,
                     **kwargs).close()
    except requests.RequestException as exc:
        reason = network_reason(exc) or type(exc).__name__
        raise IBMNetworkError(_network_message(url, reason, what)) from None


def _network_message(url: str, reason: str, what: str = "IBM Cloud") -> str:
    host = urlparse(url).hostname or url
    checked = "; the API key was not checked" if what == "IBM Cloud" else ""
    return (
        f"Cannot reach {what} ({host}: {reason}). Check the network connection, "
        f"proxy or firewall{checked}."
    )


def open_service(
    channel: str | None = None,
    account: str | None = None,
    instance: str | None = None,
    filename: str | None = None,
    probe_timeout: float = PROBE_TIMEOUT,
):
    """``(QiskitRuntimeService, AccountRef)`` for a saved account, or one of our errors."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    found, ref = load_account(channel=channel, account=account, filename=filename)
    probe(found, timeout=probe_timeout)
    # No instance given or saved: let the client pick one quietly ("auto") instead of
    # warning on every backends() call; the service reports which one it uses.
    kwargs = {"filename": ref.filename, "instance": instance or found.instance or "auto"}
    if ref.name:
        kwargs["name"] = ref.name
    else:
        kwargs["channel"] = ref.channel
    try:
        service = QiskitRuntimeService(**kwargs)
    except Exception as exc:
        logger.debug("QiskitRuntimeService(...) failed", exc_info=True)
        raise translate(exc, found.token, ref=ref, instance=instance, url=iam_url(found)) from None
    return service, _with_api_url(ref, found, service)


def _with_api_url(ref: AccountRef, found, service) -> AccountRef:
    from dataclasses import replace

    from qiskit_ibm_runtime.api.utils import default_runtime_url_resolver

    if found.proxies:  # a direct probe would bypass the proxy and report a false outage
        return replace(ref, verify=found.verify is not False)
    api_url = default_runtime_url_resolver(found.url, service.active_instance() or "",
                                           bool(found.private_endpoint))
    return replace(ref, api_url=api_url, verify=found.verify is not False)


def translate(exc: BaseException, token: str | None, ref: AccountRef | None = None,
              instance: str | None = None, url: str | None = None) -> IBMConnectionError:
    """One of our errors for what the client raised; never contains ``token``."""
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    if isinstance(exc, IBMConnectionError):
        return exc
    who = ref.describe() if ref else "the account"
    if isinstance(exc, AccountNotFoundError):
        return IBMAccountNotFoundError(f"{redact(exc, token)} Save one with {SAVE_HINT}.")
    reason = network_reason(exc)
    if reason is not None:
        return IBMNetworkError(_network_message(url or "", reason) if url else
                               f"Cannot reach IBM Quantum ({reason}). Check the network connection.")
    refused = http_refusal(exc)
    if refused is not None:
        code, message = refused
        message = redact(" ".join(message.split()), token)
        if code in (400, 401, 403):
            return IBMAuthenticationError(
                f"IBM Cloud refused the API key of {who} (HTTP {code}: {message}). "
                f"Save a valid key with {SAVE_HINT.replace(')', ', overwrite=True)')}."
            )
        return IBMConnectionError(f"IBM Cloud answered HTTP {code} for {who}: {message}")
    text = redact(getattr(exc, "message", None) or str(exc), token)
    if "instance" in text.lower():
        return IBMConnectionError(
            f"Instance {instance!r} is not available to {who}: {text}" if instance else text
        )
    return IBMConnectionError(f"Could not connect to IBM Quantum with {who}: {type(exc).__name__}: {text}")
