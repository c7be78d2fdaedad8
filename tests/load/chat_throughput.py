#!/usr/bin/env python3
"""End-to-end chat throughput over TLS: P processes, each with a sender on gateway 0 and a
receiver on gateway 1, send M messages of ~200 bytes in batches of 100 with at most 2,000 in
flight per pair (a sustained rate, not a burst into a slow reader); reports delivered
messages per second (first byte sent to last message received). Loopback only, bounded.
The Python clients share the 2 cores with the cluster, so this is a lower bound, not a
comparison with ejabberd's C load driver. Not a test: figures go to docs/performance.md.

  /usr/bin/python3 tests/load/chat_throughput.py [PAIRS] [MESSAGES_PER_PAIR]

LOAD_SM=ack|resume: the receivers enable XEP-0198 stream management (resume: resumable, so
every stanza to them is stored in Redis before it is written) and answer the server's ack
requests with what they read; the cost of stream management per message is the ratio.
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
    sm = os.environ.get("LOAD_SM", "")
    if sm:
        resume = " resume='true'" if sm == "resume" else ""
        rx.sendall(f"<enable xmlns='urn:xmpp:sm:3'{resume}/>".encode())
        got = b""
        while b"<enabled" not in got:
            got += rx.recv(65536)
    tx = login(C(tls0), ctx, f"tx{index}", "pw", "t")
    body = "x" * 120
    msg = (f"<message to='rx{index}@localhost/r' type='chat'><body>{body}</body></message>")
    batch = (msg * 100).encode()
    start_evt.wait()
    t0 = time.monotonic()
    sent = 0
    received = 0
    rx.setblocking(False)
    closed = False
    acked = 0
    window = 2000  # at most this many messages in flight: the receiver must keep up, or the
    # server rightly closes it as a slow reader (bounded send queue)
    while received < count:
        if sent < count and sent - received < window:
            tx.sendall(batch)
            sent += 100
        asked = False
        try:
            while True:
                data = rx.recv(262144)
                if not data:
                    closed = True  # the server ended the stream: report what arrived
                    break
                received += data.count(b"</message>")
                asked = asked or b"<r xmlns" in data
        except (ssl.SSLWantReadError, BlockingIOError):
            pass
        if sm and (asked or received - acked >= 500):
            # h: the messages read (a presence echo uncounted: h may lag by one, never lead);
            # when asked, and unasked every 500 (XEP-0198 allows it) to keep the server's
            # unacknowledged count under its bound with this many in flight.
            rx.setblocking(True)
            rx.sendall(f"<a xmlns='urn:xmpp:sm:3' h='{received}'/>".encode())
            rx.setblocking(False)
            acked = received
        if sent >= count or sent - received >= window:
            time.sleep(0.0002)
        if closed or time.monotonic() - t0 > 120:
            break
    results.put((received, time.monotonic() - t0))


def cluster_cpu(cluster):
    """CPU seconds (user + system) the gateways, the router and Redis have used so far."""
    total = 0.0
    for name in ("gateway-0", "gateway-1", "router", "redis"):
        try:
            with open(f"/proc/{cluster.pid(name)}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            pass
    return total


def main():
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    # With stream management up to the window (2,000) may be unacknowledged: above the
    # default bound (500), which would end the stream.
    sm_args = (" --c2s.sm_max_unacked_stanzas=4000 --c2s.sm_max_unacked_bytes=4194304"
               if os.environ.get("LOAD_SM") else "")
    cluster = Cluster(gateways=2, gateway_args="--gateway.threads=1 "
                      "--c2s.max_connections_per_address=0 "
                      "--c2s.max_accepts_per_second_per_address=0 --c2s.max_bytes_per_second=0"
                      + sm_args,
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
        cpu0 = cluster_cpu(cluster)
        t0 = time.monotonic()
        start.set()
        total = 0
        slowest = 0.0
        for _ in procs:
            n, secs = results.get(timeout=180)
            total += n
            slowest = max(slowest, secs)
        cpu = cluster_cpu(cluster) - cpu0
        for p in procs:
            p.join()
        print(f"cluster CPU {cpu:.1f} s (gateways, router, Redis): "
              f"{cpu / max(total, 1) * 1e6:.1f} us per message")
        print(f"pairs {pairs}, messages delivered {total} of {pairs * per}, "
              f"{total / slowest:.0f} msgs/s end to end over TLS across two gateways"
              f"{', stream management: ' + os.environ['LOAD_SM'] if os.environ.get('LOAD_SM') else ''}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
