#!/usr/bin/env python3
"""End-to-end chat throughput over TLS: P processes, each with a sender on gateway 0 and a
receiver on gateway 1, send M messages of ~200 bytes in batches of 100 with at most 2,000 in
flight per pair (a sustained rate, not a burst into a slow reader); reports delivered
messages per second (first byte sent to last message received). Loopback only, bounded.
The Python clients share the 2 cores with the cluster, so this is a lower bound, not a
comparison with ejabberd's C load driver. Not a test: figures go to docs/performance.md.

  /usr/bin/python3 tests/load/chat_throughput.py [PAIRS] [MESSAGES_PER_PAIR]
"""

import multiprocessing
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idle_sessions import login  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Cluster  # noqa: E402


class Port:
    def __init__(self, cluster, gw):
        self.cluster, self.gw = cluster, gw

    def tls_port(self, _=0):
        return self.cluster.tls_port(self.gw)


def pair(args):
    cluster_info, index, count, start_evt, results = args
    cert, tls0, tls1 = cluster_info

    class C:
        def __init__(self, port):
            self.port = port

        def tls_port(self, _=0):
            return self.port

    ctx = ssl.create_default_context(cafile=cert)
    rx = login(C(tls1), ctx, f"rx{index}", "pw", "r")
    tx = login(C(tls0), ctx, f"tx{index}", "pw", "t")
    body = "x" * 120
    msg = (f"<message to='rx{index}@localhost/r' type='chat'><body>{body}</body></message>")
    batch = (msg * 100).encode()
    start_evt.wait()
    t0 = time.monotonic()
    sent = 0
    received = 0
    rx.setblocking(False)
    window = 2000  # at most this many messages in flight: the receiver must keep up, or the
    # server rightly closes it as a slow reader (bounded send queue)
    while received < count:
        if sent < count and sent - received < window:
            tx.sendall(batch)
            sent += 100
        try:
            while True:
                data = rx.recv(262144)
                if not data:
                    break
                received += data.count(b"</message>")
        except (ssl.SSLWantReadError, BlockingIOError):
            pass
        if sent >= count or sent - received >= window:
            time.sleep(0.0002)
        if time.monotonic() - t0 > 120:
            break
    results.put((received, time.monotonic() - t0))


def main():
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    cluster = Cluster(gateways=2, gateway_args="--gateway.threads=1 "
                      "--c2s.max_connections_per_address=0 "
                      "--c2s.max_accepts_per_second_per_address=0 --c2s.max_bytes_per_second=0",
                      router_args="--router.workers=2 " + os.environ.get("LOAD_ROUTER_ARGS", ""))
    try:
        for i in range(pairs):
            cluster.adduser(f"rx{i}", "pw")
            cluster.adduser(f"tx{i}", "pw")
        mgr = multiprocessing.Manager()
        start = mgr.Event()
        results = mgr.Queue()
        info = (cluster.cert, cluster.tls_port(0), cluster.tls_port(1))
        procs = [multiprocessing.Process(target=pair, args=((info, i, per, start, results),))
                 for i in range(pairs)]
        for p in procs:
            p.start()
        time.sleep(3)  # logins done
        t0 = time.monotonic()
        start.set()
        total = 0
        slowest = 0.0
        for _ in procs:
            n, secs = results.get(timeout=180)
            total += n
            slowest = max(slowest, secs)
        for p in procs:
            p.join()
        print(f"pairs {pairs}, messages delivered {total} of {pairs * per}, "
              f"{total / slowest:.0f} msgs/s end to end over TLS across two gateways")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
