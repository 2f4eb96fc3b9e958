"""Reaching a grading cluster: the local launcher and an external scheduler's security.

* :func:`start_local_cluster` (``--cluster local[:N]``): a ``LocalCluster`` on loopback speaking
  mutual TLS with a key pair held only in memory, every server preloaded with the course's
  guard (``cluster_worker.dask_setup``), HTTP endpoints serving ``/health`` only;
* :func:`scheduler_target` (``--scheduler``): ``tls://`` with a CA, a client certificate and a
  private key, plain ``tcp://`` only when asked for, with a warning;
* cluster grading needs the ``namespaces`` isolation level (:func:`require_namespaces`);
* ``_Connection``: the client (and the local cluster it started) that a batch grades through.

Part of the cluster grading code (``cluster.py`` re-exports every name here).
"""
from __future__ import annotations

import logging
import os
import re
import sys

from .cluster_worker import HTTP_ROUTES, PRELOAD

ALLOWED_FAILURES = 2  # a submission whose worker dies is run again at most twice


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be reached, or the local cluster cannot start (``course`` exits 3)."""


class ClusterSecurityError(ValueError):
    """A cluster address or its security settings that cluster grading refuses (``course`` exits 2)."""


def parse_local(spec: str) -> int | None:
    """``local`` / ``local:N`` -> N (default: the CPU count // 2, at least 1); anything else: None."""
    m = re.fullmatch(r"local(?::(\d+))?", spec.strip())
    if not m:
        return None
    return max(1, int(m.group(1))) if m.group(1) else max(1, (os.cpu_count() or 2) // 2)


def require_namespaces(what: str) -> None:
    """Cluster grading only at the ``namespaces`` level: in the fallback levels student code has
    the host's network and could reach the cluster's ports (raise :class:`ClusterUnavailable`)."""
    from .sandbox import SandboxUnavailable, current_isolation

    try:
        level = current_isolation()
    except SandboxUnavailable as exc:
        raise ClusterUnavailable(f"{what}: the sandbox cannot start on this machine: {exc}") from None
    if not level.namespaced:
        raise ClusterUnavailable(
            f"{what} needs the namespaces isolation level, and this machine grades at {level.level!r} "
            f"({level.reason or 'no reason given'}): there, student code shares the host's network and could "
            f"reach the cluster's ports. Grade with --jobs instead, or where the grader runs as root with "
            f"unshare(2) allowed")


def start_local_cluster(n: int):
    """A ``distributed.LocalCluster`` of ``n`` worker processes, one thread each, on loopback,
    speaking mutual TLS with a key pair made for this cluster (``cluster.security``; pass it to
    a ``Client``, or hand the cluster itself to one). Needs the ``namespaces`` isolation level."""
    require_namespaces(f"--cluster local:{n}")
    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    try:
        security = Security.temporary()  # keys in memory only: on no disk, in no argv or environment
    except ImportError as exc:
        raise ClusterUnavailable(f"--cluster local needs mutual TLS: {exc}") from None
    with dask.config.set(HTTP_ROUTES):  # the nannies hand this config to their workers
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                            protocol="tls://", security=security, dashboard_address=None,
                            silence_logs=logging.ERROR,
                            # no dashboard; its HTTP endpoint on a free local port (no clash with other clusters)
                            scheduler_kwargs={"allowed_failures": ALLOWED_FAILURES,
                                              "dashboard_address": "127.0.0.1:0", "preload": [PRELOAD]},
                            preload=[PRELOAD], preload_nanny=[PRELOAD])


class SchedulerTarget:
    """An existing scheduler and the ``distributed.security.Security`` to reach it with."""

    def __init__(self, address: str, security):
        self.address, self.security = address, security

    def __str__(self) -> str:
        return self.address


def _key_file_private(path: str) -> None:
    st = os.stat(path)
    if st.st_mode & 0o077:
        raise ClusterSecurityError(f"the private key {path} can be read by others (mode {oct(st.st_mode & 0o777)}): "
                                   f"chmod 600 it")


def scheduler_target(address: str, *, ca_file: str | None = None, cert: str | None = None, key: str | None = None,
                     unsafe_plain_tcp: bool = False, warn=None) -> SchedulerTarget:
    """Check an external scheduler's address and security (``course grade --scheduler``).

    ``tls://HOST:PORT``: needs the cluster's CA certificate and a client certificate and key,
    from the arguments or else Dask's config (``distributed.comm.tls.ca-file``,
    ``distributed.comm.tls.client.cert`` / ``.key``); the key must be private (no group or
    other permission). ``tcp://`` (or no scheme): refused unless ``unsafe_plain_tcp``, then
    with a warning on ``warn`` (stderr). Anything else: refused. Raises
    :class:`ClusterSecurityError`."""
    import dask
    from distributed.security import Security

    address = address.strip()
    scheme = address.split("://", 1)[0].lower() if "://" in address else "tcp"
    if scheme == "tcp":
        if not unsafe_plain_tcp:
            raise ClusterSecurityError(
                f"--scheduler {address}: plain TCP lets anyone who reaches the scheduler run code as root on the "
                f"workers, read the reference solutions and change every grade; use tls:// with a client "
                f"certificate (--tls-ca-file, --tls-cert, --tls-key; README: Grading on a cluster), or pass "
                f"--unsafe-plain-tcp on a network no one else can reach")
        print(f"WARNING: --unsafe-plain-tcp: {address} accepts tasks from anyone who can reach it; they run as root "
              f"on the workers, can read the reference solutions and can change every grade of this batch",
              file=warn or sys.stderr, flush=True)
        return SchedulerTarget(address, Security(require_encryption=False))
    if scheme != "tls":
        raise ClusterSecurityError(f"--scheduler {address}: expected tls://HOST:PORT")
    ca_file = ca_file or dask.config.get("distributed.comm.tls.ca-file", None)
    cert = cert or dask.config.get("distributed.comm.tls.client.cert", None)
    key = key or dask.config.get("distributed.comm.tls.client.key", None)
    missing = [n for n, v in (("--tls-ca-file", ca_file), ("--tls-cert", cert)) if not v]
    if missing:
        raise ClusterSecurityError(
            f"--scheduler {address}: mutual TLS needs the cluster's CA certificate and a client certificate and "
            f"key: pass {', '.join(missing)} (and --tls-key unless the certificate file holds the key), or set "
            f"distributed.comm.tls.ca-file / client.cert / client.key in Dask's config")
    for opt, path in (("--tls-ca-file", ca_file), ("--tls-cert", cert), ("--tls-key", key)):
        if path and not os.access(path, os.R_OK):
            raise ClusterSecurityError(f"{opt} {path}: cannot be read")
    _key_file_private(key or cert)
    try:
        security = Security(tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
        security.get_connection_args("client")  # loads them: a bad file is a usage error here, not later
    except Exception as exc:  # noqa: BLE001 - ssl.SSLError, ValueError ...
        raise ClusterSecurityError(f"--scheduler {address}: the TLS files cannot be used: {exc}") from None
    return SchedulerTarget(address, security)


class _Connection:
    def __init__(self, target):
        from distributed import Client

        self.cluster = self.client = None
        self.own_client = True
        if isinstance(target, Client):
            address = getattr(target.scheduler, "address", "") or ""
            if not address.startswith("tls://"):
                raise ClusterSecurityError(f"a Client connected to {address or 'an unknown address'}: cluster grading "
                                           f"needs a scheduler that speaks tls:// (see scheduler_target)")
            self.client, self.own_client = target, False
        else:
            n = parse_local(str(target))
            if n is None and not isinstance(target, SchedulerTarget):
                target = scheduler_target(str(target))  # the same policy as --scheduler
            try:
                if n is not None:
                    self.cluster = start_local_cluster(n)
                    self.client = Client(self.cluster, security=self.cluster.security)
                else:  # waits distributed.comm.timeouts.connect (30 s)
                    self.client = Client(target.address, security=target.security)
            except (OSError, TimeoutError, ValueError) as exc:
                self.close()
                what = f"a local cluster of {n} workers" if n is not None else f"the Dask scheduler at {target}"
                raise ClusterUnavailable(f"cannot reach {what}: {exc}") from None
            if n is None:
                try:
                    allowed = self.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
                except Exception:  # noqa: BLE001
                    allowed = None
                if allowed is not None and allowed != ALLOWED_FAILURES:
                    print(f"note: this scheduler runs a submission whose worker died up to {allowed} more times "
                          f"(distributed.scheduler.allowed-failures); the course's policy is {ALLOWED_FAILURES}: "
                          f"start it with DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES={ALLOWED_FAILURES}",
                          file=sys.stderr)

    def threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001
            return 1

    def close(self):
        if self.own_client and self.client is not None:
            try:
                self.client.close(timeout=10)
            except Exception:  # noqa: BLE001
                pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=20)
            except Exception:  # noqa: BLE001
                pass

