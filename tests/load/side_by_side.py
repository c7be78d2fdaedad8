#!/usr/bin/env python3
"""This project, ejabberd 23.01 and Prosody 0.12 (Debian's packages) under the same load, one
after the other in one run, through the same driver (build/default/tools/xmppload/xmppload).
Each server is started here on free loopback ports with its limits and shapers off, given
USERS accounts (u0.., password 'pw') with ring rosters of 20 contacts, measured, and stopped.
Prints each figure and a Markdown table for docs/performance.md. Loopback only, bounded.

  /usr/bin/python3 tests/load/side_by_side.py [--servers project,ejabberd,prosody]
      [--users 1000] [--duration 10] [--runs 1] [--only chat,presence,...]

Not a test: nothing here asserts a timing. Needs `apt-get install ejabberd prosody` (the
quick start's install script does not install them: they are only for this comparison).
SBS_ROUTER_ARGS adds router flags to this project's run (e.g. --router.workers=32).
"""

import argparse
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from harness import BUILD, ROOT, Cluster, PortBlock, rss_kib, wait_until  # noqa: E402

XMPPLOAD = os.path.join(BUILD, "tools", "xmppload", "xmppload")
KEEP = False
RING = 20


def ring(i, n, k=RING):
    """User i's contacts: i +- 1..k/2 (mod n), as xmppload's presence scenario expects."""
    return sorted({(i + d) % n for d in range(1, k // 2 + 1)} |
                  {(i - d) % n for d in range(1, k // 2 + 1)})


def as_user(name, home):
    """Popen arguments that run a command as `name` without su/runuser: their PAM session
    (pam_limits) would cut the open-file limit to 1,024, and a server past a thousand
    sessions would fail for that, not for its speed."""
    return {"user": name, "group": name, "extra_groups": [],
            "env": dict(os.environ, HOME=home, USER=name, LOGNAME=name)}


def children(pid):
    """pid and every descendant (ejabberd's beam, PostgreSQL's backends)."""
    out = [pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        kids = ""
    for k in kids.split():
        out += children(int(k))
    return out


class Project:
    name = "this project"

    def start(self, users):
        self.cluster = Cluster(
            gateways=2,
            gateway_args="--c2s.max_connections_per_address=0 "
                         "--c2s.max_accepts_per_second_per_address=0 --c2s.max_bytes_per_second=0",
            auth_args="--auth.max_threads=256",
            router_args="--router.max_resources_per_account=0 "
                        + os.environ.get("SBS_ROUTER_ARGS", ""))
        c = self.cluster
        procs = [subprocess.Popen([os.path.join(BUILD, "services", "auth", "xmppctl"), "--auth",
                                   c.auth_address, "adduser", f"u{i}", "pw"],
                                  stdout=subprocess.DEVNULL) for i in range(users)]
        for p in procs:
            if p.wait(timeout=300) != 0:
                raise RuntimeError("adduser failed")
        rows = "\n".join(f"u{i}@localhost\tu{j}@localhost\t3" for i in range(users)
                         for j in ring(i, users))
        db = f"host=127.0.0.1 port={c.port_base} user=xmpp dbname=xmpp"
        subprocess.run(["psql", db, "-qc", "COPY roster_items (username, contact, subscription) "
                        "FROM STDIN"], input=rows + "\n", text=True, check=True, timeout=120)
        self.targets = [f"127.0.0.1:{c.c2s_port(0)}", f"127.0.0.1:{c.c2s_port(1)}"]

    def pids(self):
        """The services, Redis, and PostgreSQL with its backends (their command lines name
        neither the data folder nor a port, so they are found as the postmaster's children)."""
        return sorted({k for p in self.cluster.processes() for k in children(p)})

    def parts(self):
        """name -> pid of the processes an idle session costs memory in."""
        c = self.cluster
        return {"gateway": [c.pid("gateway-0"), c.pid("gateway-1")]}

    def stop(self):
        self.cluster.stop()


class Ejabberd:
    name = "ejabberd 23.01"

    def start(self, users):
        self.run_as = as_user("ejabberd", "/var/lib/ejabberd")
        self.dir = tempfile.mkdtemp(prefix="xmpp-ejabberd-")
        self.ports = PortBlock(3)
        c2s, http = self.ports.base, self.ports.base + 1
        subprocess.run([os.path.join(ROOT, "scripts", "make-cert.sh"), self.dir], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(self.dir, "tls.pem"), "w") as out:
            for name in ("cert.pem", "key.pem"):
                with open(os.path.join(self.dir, name)) as f:
                    out.write(f.read())
        cfg = f"""
hosts: [localhost]
loglevel: warning
certfiles: ["{self.dir}/tls.pem"]
listen:
  - {{port: {c2s}, ip: "127.0.0.1", module: ejabberd_c2s, starttls_required: true,
     max_stanza_size: 262144, shaper: none, access: all, backlog: 1024}}
  - {{port: {http}, ip: "127.0.0.1", module: ejabberd_http,
     request_handlers: {{/api: mod_http_api}}}}
acl:
  loopback: {{ip: ["127.0.0.0/8"]}}
api_permissions:
  "admin access":
    who: {{ip: "127.0.0.0/8"}}
    what: ["*"]
access_rules:
  local: {{allow: all}}
  c2s: {{allow: all}}
shaper_rules:
  max_user_sessions: 1000
  max_user_offline_messages: 5000
  c2s_shaper: none
auth_method: internal
auth_password_format: scram
modules:
  mod_roster: {{}}
  mod_offline: {{}}
  mod_carboncopy: {{}}
  mod_blocking: {{}}
  mod_privacy: {{}}
  mod_disco: {{}}
  mod_ping: {{}}
  mod_stream_mgmt: {{}}
  mod_vcard: {{}}
  mod_last: {{}}
  mod_private: {{}}
  mod_http_api: {{}}
  mod_admin_extra: {{}}
"""
        with open(os.path.join(self.dir, "ejabberd.yml"), "w") as f:
            f.write(cfg)
        with open(os.path.join(self.dir, "ejabberdctl.cfg"), "w") as f:
            f.write("POLL=true\nERL_PROCESSES=250000\n")  # not Debian's: it names its own config
        os.makedirs(os.path.join(self.dir, "db"))
        subprocess.run(["chown", "-R", "ejabberd:ejabberd", self.dir], check=True)
        self.node = f"ejabberd{c2s}@localhost"
        self.ctl = ["ejabberdctl", "--ctl-config", os.path.join(self.dir, "ejabberdctl.cfg"),
                    "--config", os.path.join(self.dir, "ejabberd.yml"), "--spool",
                    os.path.join(self.dir, "db"), "--logs", self.dir, "--node", self.node]
        subprocess.run(self.ctl + ["start"], check=True, timeout=60, cwd=self.dir, **self.run_as)
        subprocess.run(self.ctl + ["started"], check=True, timeout=120, cwd=self.dir,
                       **self.run_as)
        self.api = f"http://127.0.0.1:{http}/api/"
        for i in range(users):
            self.call("register", user=f"u{i}", host="localhost", password="pw")
        for i in range(users):
            for j in ring(i, users):
                self.call("add_rosteritem", localuser=f"u{i}", localhost="localhost",
                          user=f"u{j}", host="localhost", nick=f"u{j}", group="g",
                          subs="both")
        self.targets = [f"127.0.0.1:{c2s}"]

    def call(self, command, **args):
        req = urllib.request.Request(self.api + command, data=json.dumps(args).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def pids(self):
        out = subprocess.run(["pgrep", "-f", "--", f"name {self.node}"],
                             capture_output=True, text=True).stdout.split()
        return [int(p) for p in out]

    def parts(self):
        return {}

    def stop(self):
        subprocess.run(self.ctl + ["stop"], timeout=60, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=self.dir, **self.run_as)
        wait_until(lambda: not self.pids(), 60, "ejabberd stopped")
        subprocess.run(["pkill", "-u", "ejabberd", "epmd"], stderr=subprocess.DEVNULL)
        self.ports.release()
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


class Prosody:
    name = "Prosody 0.12.3"

    def start(self, users):
        self.dir = tempfile.mkdtemp(prefix="xmpp-prosody-")
        self.ports = PortBlock(2)
        c2s = self.ports.base
        subprocess.run([os.path.join(ROOT, "scripts", "make-cert.sh"), self.dir], check=True,
                       stdout=subprocess.DEVNULL)
        data = os.path.join(self.dir, "data")
        cfg = f"""
pidfile = "{self.dir}/prosody.pid"
data_path = "{data}"
log = {{ warn = "{self.dir}/prosody.log" }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s} }}
c2s_direct_tls_ports = {{ }}
s2s_ports = {{ }}
component_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "carbons"; "blocklist";
  "vcard_legacy"; "private"; "offline"; "smacks"; "lastactivity"; "posix" }}
modules_disabled = {{ "s2s"; "limits"; "c2s_limits" }}
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
certificates = "{self.dir}"
ssl = {{ certificate = "{self.dir}/cert.pem"; key = "{self.dir}/key.pem" }}
VirtualHost "localhost"
"""
        with open(os.path.join(self.dir, "prosody.cfg.lua"), "w") as f:
            f.write(cfg)
        for sub in ("accounts", "roster"):
            os.makedirs(os.path.join(data, "localhost", sub))
        for i in range(users):
            salt = os.urandom(16).hex()
            salted = hashlib.pbkdf2_hmac("sha1", b"pw", salt.encode(), 4096)
            stored = hashlib.sha1(hmac.new(salted, b"Client Key", "sha1").digest()).hexdigest()
            server = hmac.new(salted, b"Server Key", "sha1").hexdigest()
            with open(os.path.join(data, "localhost", "accounts", f"u{i}.dat"), "w") as f:
                f.write(f'return {{\n\t["iteration_count"] = 4096;\n\t["salt"] = "{salt}";\n'
                        f'\t["stored_key"] = "{stored}";\n\t["server_key"] = "{server}";\n}};\n')
            items = "".join(f'\t["u{j}@localhost"] = {{ ["subscription"] = "both"; '
                            f'["groups"] = {{}}; }};\n' for j in ring(i, users))
            with open(os.path.join(data, "localhost", "roster", f"u{i}.dat"), "w") as f:
                f.write(f'return {{\n\t[false] = {{ ["version"] = 1; }};\n{items}}};\n')
        subprocess.run(["chown", "-R", "prosody:prosody", self.dir], check=True)
        self.proc = subprocess.Popen(
            ["prosody", "--config", os.path.join(self.dir, "prosody.cfg.lua"), "-F"],
            stdout=open(os.path.join(self.dir, "stdout.log"), "w"), stderr=subprocess.STDOUT,
            start_new_session=True, cwd=self.dir, **as_user("prosody", "/var/lib/prosody"))
        wait_until(lambda: _listening(c2s), 60, "prosody listening")
        self.targets = [f"127.0.0.1:{c2s}"]

    def pids(self):
        return [p for p in children(self.proc.pid) if p != self.proc.pid] or [self.proc.pid]

    def parts(self):
        return {}

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.ports.release()
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


def _listening(port):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def xmppload(server, scenario, *args, targets=None):
    argv = [XMPPLOAD, scenario, *args,
            "--pids=" + ",".join(str(p) for p in server.pids())]
    for t in targets or server.targets:
        argv.append("--target=" + t)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["exit"] = r.returncode
            return res
    raise RuntimeError(f"xmppload {scenario} printed no result: {r.stdout}\n{r.stderr}")


def idle(server, count, users):
    """Idle sessions held until measured: RSS growth per session of all processes and of the
    named parts (the gateways alone)."""
    pids = server.pids()
    parts = server.parts()
    before = {p: rss_kib(p) for p in pids}
    part_before = {k: sum(rss_kib(p) for p in v) for k, v in parts.items()}
    argv = [XMPPLOAD, "idle", f"--count={count}", f"--users={users}", "--concurrency=50"]
    argv += ["--target=" + t for t in server.targets]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    ready = 0
    for line in p.stdout:
        if line.startswith("READY "):
            ready = int(line.split()[1])
            break
    time.sleep(2)  # noqa: the servers settle their buffers; a measurement, not a test
    total = sum(rss_kib(q) for q in server.pids()) - sum(before.values())
    res = {"sessions": ready, "kib_per_session": total / max(ready, 1)}
    for k, v in parts.items():
        res[f"{k}_kib_per_session"] = (sum(rss_kib(q) for q in v) - part_before[k]) / max(ready, 1)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    return res


def measure(server, users, duration, only):
    dur = [f"--duration={duration}", f"--users={users}"]
    out = {}
    plan = {
        "chat": lambda: xmppload(server, "chat", f"--count={users // 2}", "--window=8", *dur),
        "chat_steady": lambda: xmppload(server, "chat", f"--count={users // 2}",
                                        "--rate=5000", *dur),
        "presence": lambda: xmppload(server, "presence", f"--count={users}", "--roster=20",
                                     "--window=200", "--concurrency=100", *dur),
        "login_storm": lambda: xmppload(server, "login", "--mech=SCRAM-SHA-1",
                                        f"--count={3 * users}", "--concurrency=100", *dur),
        "login_single": lambda: xmppload(server, "login", "--mech=SCRAM-SHA-1", "--count=300",
                                         "--concurrency=1", *dur),
        "idle": lambda: idle(server, 5000, users),
    }
    for name, run in plan.items():
        if only and name not in only:
            continue
        try:
            out[name] = run()
        except Exception as e:  # a server that fails one scenario still runs the others
            out[name] = {"error": str(e)[:300]}
        print(f"  {server.name} {name}: {json.dumps(out[name])}", flush=True)
    return out


ROWS = [
    ("chat msgs/s (pairs, 8 in flight each)", "chat", "delivered_per_s", "{:,.0f}"),
    ("server CPU-s per 1,000 msgs", "chat", "server_cpu_s_per_1000", "{:.3f}"),
    ("driver CPU share during chat", "chat", "driver_cpu_share", "{:.2f}"),
    ("p50 / p99 / p999 ms at a steady 5,000 msgs/s", "chat_steady",
     ("latency_p50_ms", "latency_p99_ms", "latency_p999_ms"), "{:.2f}"),
    ("presence fan-out (x 20 contacts), delivered/s", "presence", "fanout_delivered_per_s",
     "{:,.0f}"),
    ("presence CPU-s per 1,000", "presence", "fanout_server_cpu_s_per_1000", "{:.3f}"),
    ("login + roster + initial presence, presence/s", "presence",
     "login_phase_presence_per_s", "{:,.0f}"),
    ("roster fetch p50 ms (during the logins)", "presence", "roster_p50_ms", "{:.1f}"),
    ("login storm SCRAM-SHA-1 (hashed), logins/s", "login_storm", "logins_per_s", "{:,.0f}"),
    ("server CPU ms per login", "login_storm", "server_cpu_ms_per_login", "{:.2f}"),
    ("single login p50 ms", "login_single", "login_p50_ms", "{:.1f}"),
    ("idle TLS session KiB, all processes", "idle", "kib_per_session", "{:.1f}"),
    ("idle TLS session KiB, gateway alone", "idle", "gateway_kib_per_session", "{:.1f}"),
]


def table(results):
    names = list(results)
    lines = ["| figure | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for label, scen, key, fmt in ROWS:
        cells = []
        for n in names:
            r = results[n].get(scen, {})
            keys = key if isinstance(key, tuple) else (key,)
            if all(k in r for k in keys):
                cells.append(" / ".join(fmt.format(r[k]) for k in keys))
            else:
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", default="project,ejabberd,prosody")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true", help="keep the servers' directories and logs")
    args = ap.parse_args()
    global KEEP
    KEEP = args.keep
    only = set(filter(None, args.only.split(",")))
    kinds = {"project": Project, "ejabberd": Ejabberd, "prosody": Prosody}
    wanted = args.servers.split(",")
    missing = [k for k, tool in (("ejabberd", "ejabberdctl"), ("prosody", "prosodyctl"))
               if k in wanted and shutil.which(tool) is None]
    if missing:
        sys.exit(f"not installed: {', '.join(missing)} (apt-get install {' '.join(missing)})")
    results = {}
    for key in wanted:
        server = kinds[key]()
        t = time.monotonic()
        try:
            server.start(args.users)
        except BaseException:
            server.stop()
            raise
        print(f"{server.name}: started and provisioned in {time.monotonic() - t:.0f} s",
              flush=True)
        try:
            results[server.name] = measure(server, args.users, args.duration, only)
        finally:
            server.stop()
    print(table(results))


if __name__ == "__main__":
    main()
