"""An unprivileged local user's attack on a grading cluster (run by test_cluster_trust.py).

argv[1]: ``[ports, control]`` (JSON). For each port: ``distributed.Client`` over plain
``tcp://`` and over ``tls://`` with a certificate of the attacker's own; a session that opens
is used to run ``os.getuid()`` on the cluster. Each port is also asked for a few HTTP pages
(the dashboard's, the JSON API's, the health probe). ``control``: a plain-TCP scheduler the
same attempt is made on. Prints one JSON line.
"""
import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request

SESSION_TIMEOUT = 30  # an attempt with no session by then counts as refused (the HTTP ports never answer)


async def _attempt(url, security):
    from distributed import Client

    try:
        c = await Client(url, security=security, asynchronous=True, timeout="10s")
    except BaseException as exc:  # noqa: BLE001
        return "refused", f"{type(exc).__name__}: {exc}"[:400]
    try:
        who = await c.submit(os.getuid, pure=False).result()
        return "CONNECTED", f"ran os.getuid() on the cluster: {who}"
    except BaseException as exc:  # noqa: BLE001
        return "CONNECTED", f"a session, but the task failed: {type(exc).__name__}: {exc}"[:400]
    finally:
        await c.close()


async def attempt(port, url, security):
    t = time.monotonic()
    try:
        verdict, detail = await asyncio.wait_for(_attempt(url, security), SESSION_TIMEOUT)
    except asyncio.TimeoutError:
        verdict, detail = "refused", f"no session within {SESSION_TIMEOUT} s"
    return {"port": port, "url": url, "verdict": verdict, "detail": detail, "seconds": round(time.monotonic() - t, 1)}


def http(port):
    out = {}
    for path in ("/health", "/info/main/workers.html", "/json/identity.json", "/api/v1", "/status"):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                out[path] = [r.status, r.read(200).decode(errors="replace")]
        except urllib.error.HTTPError as exc:
            out[path] = [exc.code, ""]
        except Exception as exc:  # noqa: BLE001 - not an HTTP port
            out[path] = [None, f"{type(exc).__name__}"]
    return out


async def main(ports, control):
    from distributed.security import Security

    forged = Security.temporary()  # the attacker's own key pair, signed by no CA the cluster trusts
    jobs = []
    for port in ports:
        jobs.append(attempt(port, f"tcp://127.0.0.1:{port}", None))
        jobs.append(attempt(port, f"tls://127.0.0.1:{port}", forged))
    if control:
        jobs.append(attempt(control, f"tcp://127.0.0.1:{control}", None))
    return await asyncio.gather(*jobs)


if __name__ == "__main__":
    ports, control = json.loads(sys.argv[1])
    attempts = asyncio.run(main(ports, control))
    print(json.dumps({"uid": os.getuid(), "attempts": attempts, "http": {p: http(p) for p in ports}}))
