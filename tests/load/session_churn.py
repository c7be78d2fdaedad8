#!/usr/bin/env python3
"""Memory returned after sessions end (issue 9, case 12): N clients log in over direct TLS
(SASL PLAIN, bind, presence), all at once, then all log out; reports the gateway's RSS
before, at the peak and once every connection is gone. Loopback only, bounded by N.
The sessions are spread over ACCOUNTS accounts (default N/10: ten resources each, the
default per-account limit, so each login's presence goes to nine others).

  /usr/bin/python3 tests/load/session_churn.py [N] [ROUNDS] [ACCOUNTS]
"""

import os
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idle_sessions import login, rss_kib  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Cluster, metric, wait_until  # noqa: E402

import ssl  # noqa: E402


def churn(cluster, ctx, n, tag, accounts=10):
    socks = [login(cluster, ctx, f"churn{i % accounts}", "pw", f"{tag}{i}") for i in range(n)]
    peak = rss_kib(cluster.pid("gateway-0"))
    for s in socks:
        try:
            s.sendall(b"</stream:stream>")
        except OSError:
            pass
        s.close()
    wait_until(lambda: metric(cluster.ops_port(0), "xmpp_connections") == 0, 120,
               "every connection closed")
    return peak


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    accounts = int(sys.argv[3]) if len(sys.argv) > 3 else max(1, n // 10)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cluster = Cluster(gateways=1, gateway_args="--c2s.max_connections_per_address=0 "
                      "--c2s.max_accepts_per_second_per_address=0 --c2s.max_bytes_per_second=0",
                      router_args="--router.max_resources_per_account=0" if n > 10 * accounts else "")
    try:
        for i in range(accounts):
            cluster.adduser(f"churn{i}", "pw")
        ctx = ssl.create_default_context(cafile=cluster.cert)
        gw = cluster.pid("gateway-0")
        churn(cluster, ctx, 20, "warm")  # allocator pools, TLS contexts, gRPC streams
        rss0 = rss_kib(gw)
        for r in range(rounds):
            t0 = time.monotonic()
            peak = churn(cluster, ctx, n, f"r{r}-", accounts)
            # What the gateway gives back on its own, within a few seconds.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and rss_kib(gw) > rss0 * 1.2:
                time.sleep(0.5)
            after = rss_kib(gw)
            print(f"round {r + 1}: {n} sessions in {time.monotonic() - t0:.0f} s; gateway RSS "
                  f"{rss0} KiB at start, {peak} KiB at the peak, {after} KiB after logout "
                  f"({100.0 * (after - rss0) / rss0:+.0f} %)")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
