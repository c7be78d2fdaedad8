#!/usr/bin/env python3
"""Many idle authenticated TLS sessions at once (issue 11: 100,000 on this 24 GiB machine).

Starts the harness's cluster with GATEWAYS gateways (the per-process open-file limit here is
20,000), gives 1,000 accounts to each driver process, runs one `xmppload idle` per gateway
(STARTTLS, PLAIN, bind, initial presence; source addresses spread over 127.0.0.0/8), waits
until every driver holds its sessions, and reports the RSS of every server process before and
after, per session. Loopback only, bounded by SESSIONS; a measurement, not a test.

  /usr/bin/python3 tests/load/idle_100k.py [--sessions 100000] [--gateways 6]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import BUILD, Cluster, rss_kib  # noqa: E402

XMPPLOAD = os.path.join(BUILD, "tools", "xmppload", "xmppload")
XMPPCTL = os.path.join(BUILD, "services", "auth", "xmppctl")
ACCOUNTS_PER_DRIVER = 1000


def adduser_all(cluster, count, batch=500):
    for start in range(0, count, batch):
        procs = [subprocess.Popen([XMPPCTL, "--auth", cluster.auth_address, "adduser",
                                   f"u{i}", "pw"], stdout=subprocess.DEVNULL)
                 for i in range(start, min(count, start + batch))]
        for p in procs:
            if p.wait(timeout=300) != 0:
                raise RuntimeError("adduser failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--gateways", type=int, default=6)
    args = ap.parse_args()
    per = -(-args.sessions // args.gateways)
    cluster = Cluster(
        gateways=args.gateways,
        gateway_args="--c2s.max_connections_per_address=0 "
                     "--c2s.max_accepts_per_second_per_address=0 --c2s.max_bytes_per_second=0",
        auth_args="--auth.max_threads=64",
        router_args="--router.max_resources_per_account=0")
    drivers = []
    try:
        t = time.monotonic()
        adduser_all(cluster, ACCOUNTS_PER_DRIVER * args.gateways)
        print(f"provisioned {ACCOUNTS_PER_DRIVER * args.gateways} accounts in "
              f"{time.monotonic() - t:.0f} s", flush=True)
        pids = cluster.processes()
        before = {p: rss_kib(p) for p in pids}
        t = time.monotonic()
        for g in range(args.gateways):
            count = min(per, args.sessions - g * per)
            drivers.append(subprocess.Popen(
                [XMPPLOAD, "idle", f"--count={count}", f"--users={ACCOUNTS_PER_DRIVER}",
                 f"--first={g * ACCOUNTS_PER_DRIVER}", "--concurrency=50", "--spread-sources",
                 f"--target=127.0.0.1:{cluster.c2s_port(g)}"],
                stdout=subprocess.PIPE, text=True))
        held, results = 0, []
        for d in drivers:
            for line in d.stdout:
                if line.startswith("RESULT "):
                    results.append(json.loads(line[7:]))
                if line.startswith("READY "):
                    held += int(line.split()[1])
                    break
        login_s = time.monotonic() - t
        time.sleep(3)  # noqa: the servers settle their buffers; a measurement, not a test
        after = {p: rss_kib(p) for p in pids}
        growth = sum(after[p] - before[p] for p in pids)
        names = {}
        for f in os.listdir(cluster.dir):
            if f.endswith(".pid"):
                try:
                    names[cluster.pid(f[:-4])] = f[:-4]
                except (OSError, ValueError):
                    pass
        out = {
            "sessions_held": held,
            "failed": sum(int(r.get("failed", 0)) for r in results),
            "login_seconds": round(login_s, 1),
            "server_rss_growth_mib": round(growth / 1024, 1),
            "kib_per_session": round(growth / max(held, 1), 1),
            "gateways_kib_per_session": round(
                sum(after[cluster.pid(f"gateway-{g}")] - before[cluster.pid(f"gateway-{g}")]
                    for g in range(args.gateways)) / max(held, 1), 1),
            "by_process_mib": {names.get(p, str(p)): round((after[p] - before[p]) / 1024, 1)
                               for p in pids},
        }
        print("RESULT " + json.dumps(out), flush=True)
    finally:
        for d in drivers:
            d.send_signal(signal.SIGTERM)
        for d in drivers:
            try:
                d.wait(timeout=120)
            except subprocess.TimeoutExpired:
                d.kill()
        cluster.stop()


if __name__ == "__main__":
    main()
