#!/usr/bin/env python3
"""Memory per idle TLS session: N clients log in over direct TLS (SASL PLAIN, bind,
presence) and stay idle; reports the gateway's RSS and Redis' used memory per session.
Loopback only, bounded by N. Not a test: figures go to docs/performance.md.

  /usr/bin/python3 tests/load/idle_sessions.py [N]
"""

import base64
import os
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Cluster, rss_kib  # noqa: E402


def redis_used(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "memory"],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    return 0


def read_until(sock, marker, buf=b""):
    while marker not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("closed: " + buf.decode(errors="replace"))
        buf += chunk
    return buf


def login(cluster, ctx, user, password, resource):
    raw = socket.create_connection(("127.0.0.1", cluster.tls_port(0)))
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    hdr = (b"<stream:stream to='localhost' xmlns='jabber:client' "
           b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
    s.sendall(hdr)
    read_until(s, b"</stream:features>")
    payload = base64.b64encode(f"\0{user}\0{password}".encode())
    s.sendall(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + payload +
              b"</auth>")
    read_until(s, b"<success")
    s.sendall(hdr)
    read_until(s, b"</stream:features>")
    s.sendall(b"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" +
              resource.encode() + b"</resource></bind></iq><presence/>")
    read_until(s, b"</iq>")
    return s


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    # Every session comes from 127.0.0.1, N/10 per account: no per-address or per-account limit.
    cluster = Cluster(gateways=1, gateway_args="--gateway.threads=1 "
                      "--c2s.max_connections_per_address=0 "
                      "--c2s.max_accepts_per_second_per_address=0 --c2s.max_bytes_per_second=0",
                      router_args="--router.max_resources_per_account=0")
    try:
        for i in range(10):
            cluster.adduser(f"load{i}", "pw")
        ctx = ssl.create_default_context(cafile=cluster.cert)
        gw = cluster.pid("gateway-0")
        # Warm up allocator pools with a few sessions, then measure the next N.
        warm = [login(cluster, ctx, "load0", "pw", f"warm{i}") for i in range(20)]
        time.sleep(1)
        rss0, redis0 = rss_kib(gw), redis_used(cluster.port_base + 1)
        t0 = time.monotonic()
        socks = [login(cluster, ctx, f"load{i % 10}", "pw", f"r{i}") for i in range(n)]
        elapsed = time.monotonic() - t0
        time.sleep(2)  # let the gateway settle (idle: TLS buffers released)
        rss1, redis1 = rss_kib(gw), redis_used(cluster.port_base + 1)
        print(f"sessions: {n}, logins: {n / elapsed:.0f}/s (serial, PLAIN over direct TLS)")
        print(f"gateway RSS: {rss0} KiB -> {rss1} KiB: {(rss1 - rss0) / n:.1f} KiB per idle TLS session")
        print(f"redis used_memory: {(redis1 - redis0) / n / 1024:.2f} KiB per session")
        for s in socks + warm:
            s.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
