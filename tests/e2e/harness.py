"""End-to-end test support: a real cluster (scripts/cluster.sh start) on free loopback ports,
slixmpp clients, and a raw XML client for what a library would refuse to send.

Nothing here sleeps to synchronise: every wait polls a condition with a deadline."""

import asyncio
import base64
import fcntl
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import slixmpp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("XMPP_BUILD_DIR", os.path.join(ROOT, "build", "default"))
DOMAIN = "localhost"


PORT_LOCK_DIR = "/tmp/xmpp-test-ports"  # shared with libs/testing/src/free_port.cpp
LOWEST_PORT = 20000  # below: well-known and the default cluster's ports (5222, 15400)


def _test_port_range():
    """[lo, hi] for test ports, outside the kernel's ephemeral range: a port there can be taken
    by any outgoing connection between our check and the server's bind."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            e_lo, e_hi = (int(x) for x in f.read().split())
    except OSError:
        e_lo, e_hi = 32768, 60999
    if e_lo - 1 - LOWEST_PORT >= 2000:
        return LOWEST_PORT, e_lo - 1
    if 65535 - (e_hi + 1) >= 2000:
        return e_hi + 1, 65535
    raise RuntimeError("no room for test ports outside the ephemeral range")


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class PortBlock:
    """`count` consecutive free loopback ports, each reserved by an flock on
    PORT_LOCK_DIR/<port>.lock until release(), so concurrent test clusters (and the C++ tests'
    PostgreSQL and Redis) never draw the same ones."""

    def __init__(self, count):
        lo, hi = _test_port_range()
        os.makedirs(PORT_LOCK_DIR, mode=0o1777, exist_ok=True)
        for _ in range(500):
            base = random.randrange(lo, hi - count)
            locks = []
            for port in range(base, base + count):
                f = self._lock(port)
                if f is None or not _bindable(port):
                    if f is not None:
                        f.close()
                    break
                locks.append(f)
            if len(locks) == count:
                self.base, self._locks = base, locks
                return
            for f in locks:
                f.close()
        raise RuntimeError("no free port range")

    @staticmethod
    def _lock(port):
        f = open(os.path.join(PORT_LOCK_DIR, f"{port}.lock"), "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return f
        except OSError:
            f.close()
            return None

    def release(self):
        for f in self._locks:
            f.close()
        self._locks = []


_held_blocks = []


def _free_range(count):
    """A reserved base of `count` consecutive free ports, held until the process ends."""
    block = PortBlock(count)
    _held_blocks.append(block)
    return block.base


# Stops a cluster when the test process that started it dies, however it dies (an exception, a
# signal, ctest's kill on timeout): the watchdog waits for its stdin pipe to close, and only a
# "done" line (sent by Cluster.stop) lets it exit without stopping the cluster.
_WATCHDOG = """
import shutil, subprocess, sys
if sys.stdin.readline().strip() != "done":
    subprocess.run([sys.argv[1], "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)
    shutil.rmtree(sys.argv[2], ignore_errors=True)
"""


class Cluster:
    """PostgreSQL, Redis, auth, userdata, router and `gateways` gateways.

    A failed start is retried once with fresh ports and a fresh data folder (a port taken by
    something outside the reservation scheme); a failed start leaves no process behind."""

    def __init__(self, gateways=2, auth_args="", gateway_args="", router_args="",
                 on_ports=None, routers=1):
        """`on_ports(cluster)` runs once the ports are reserved, before any process starts
        (e.g. to aim a proxy at the router)."""
        self.gateways = gateways
        self.routers = routers
        self.args = (auth_args, gateway_args, router_args)
        self._on_ports = on_ports
        self._argv = {}
        self._procs = []  # processes restart() started: reaped by stop()
        for attempt in (1, 2):
            try:
                self._start()
                return
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                detail = (getattr(e, "stderr", None) or "") + self._logs_tail()
                self.stop()
                if attempt == 2:
                    raise RuntimeError(f"cluster start failed twice: {e}\n{detail}") from e
                print(f"cluster start failed, retrying with fresh ports: {e}\n{detail}",
                      file=sys.stderr)

    def _reserve(self):
        self._ports = PortBlock(20)
        self._c2s = PortBlock(10 * self.gateways + 2)
        self.port_base = self._ports.base
        self.c2s_base = self._c2s.base

    def _start(self):
        auth_args, gateway_args, router_args = self.args
        self.dir = tempfile.mkdtemp(prefix="xmpp-e2e-")
        self._reserve()
        if self._on_ports is not None:
            self._on_ports(self)
        env = dict(os.environ)
        env.update({
            "XMPP_DATA_DIR": self.dir,
            "XMPP_GATEWAYS": str(self.gateways),
            "XMPP_ROUTERS": str(self.routers),
            "XMPP_C2S_PORT": str(self.c2s_base),
            "XMPP_PORT_BASE": str(self.port_base),
            "XMPP_BUILD_DIR": BUILD,
            "XMPP_NO_BUILD": "1",
            "XMPP_AUTH_ARGS": auth_args,
            "XMPP_GATEWAY_ARGS": gateway_args,
            "XMPP_ROUTER_ARGS": router_args,
        })
        self.env = env
        script = os.path.join(ROOT, "scripts", "cluster.sh")
        self._watchdog = subprocess.Popen(
            ["/usr/bin/python3", "-c", _WATCHDOG, script, self.dir], stdin=subprocess.PIPE,
            env=env, start_new_session=True, text=True)
        subprocess.run([script, "start"], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=240)
        self.cert = os.path.join(self.dir, "tls", "cert.pem")
        self.auth_address = f"127.0.0.1:{self.port_base + 2}"

    def _logs_tail(self):
        if not os.path.isdir(self.dir):
            return ""
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out.append(f"--- {name}\n" + "".join(f.readlines()[-5:]))
        return "\n".join(out)

    def ports(self):
        """Every port reserved for this cluster."""
        return list(range(self.port_base, self.port_base + 20)) + list(
            range(self.c2s_base, self.c2s_base + 10 * self.gateways + 2))

    def processes(self):
        """Pids of live processes of this cluster (found by data folder or port in their
        command line: services, PostgreSQL, Redis)."""
        return cluster_processes(self.dir, self.ports())

    def c2s_port(self, gateway=0):
        return self.c2s_base + 10 * gateway

    def tls_port(self, gateway=0):
        return self.c2s_base + 10 * gateway + 1

    def ops_port(self, service):
        """service: 'auth', 'userdata', 'router', 'router-N' (N >= 1) or gateway index."""
        if isinstance(service, str) and service.startswith("router-"):
            return self.port_base + 12 + self.gateways + int(service.split("-")[1])
        offsets = {"auth": 0, "userdata": 1, "router": 2}
        return self.port_base + 10 + (offsets[service] if service in offsets else 3 + service)

    def adduser(self, name, password):
        subprocess.run([os.path.join(BUILD, "services", "auth", "xmppctl"), "--auth",
                        self.auth_address, "adduser", name, password], check=True,
                       stdout=subprocess.DEVNULL, timeout=30)

    def stored_offline(self, user):
        """How many offline messages the store holds for user@localhost (PostgreSQL)."""
        db = f"host=127.0.0.1 port={self.port_base} user=xmpp dbname=xmpp"
        out = subprocess.run(["psql", db, "-tAc", "SELECT count(*) FROM roster_offline WHERE "
                              f"username = '{user}@localhost'"], capture_output=True, text=True,
                             timeout=30)
        return int(out.stdout.strip() or "-1")

    def rolling_restart(self):
        """scripts/cluster.sh rolling-restart: every gateway in turn stopped (SIGTERM) and
        started again; returns its output."""
        r = subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), "rolling-restart"],
                           env=self.env, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise AssertionError("rolling restart failed:\n" + r.stdout + r.stderr)
        return r.stdout

    def pid(self, name):
        with open(os.path.join(self.dir, name + ".pid")) as f:
            return int(f.read().strip())

    def router_address(self):
        return f"127.0.0.1:{self.port_base + 4}"

    def redis(self, *args):
        """A redis-cli command against the cluster's Redis; its output, stripped."""
        r = subprocess.run(["redis-cli", "-p", str(self.port_base + 1), *args],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip()

    def kill(self, name, sig=9):
        """Stops one process ('router', 'gateway-0', 'auth', 'userdata', 'redis') with
        `sig` and waits until it is gone; restart(name) starts it again as it was."""
        pid = self.pid(name)
        if name != "redis":  # Redis renames its command line; restart() knows its flags
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode() for a in f.read().split(b"\0") if a]
            if not argv:  # a zombie: it exited by itself
                raise AssertionError(f"{name} had exited before it was stopped:\n" +
                                     self.log(name)[-3000:])
            self._argv[name] = argv
        os.kill(pid, sig)
        wait_until(lambda: not _alive(pid), 30, name + " gone")

    def restart(self, name):
        """Starts a process kill() stopped, with the same flags (Redis: empty, as at the
        cluster's start), and waits until it is ready."""
        if name == "redis":
            subprocess.run(["redis-server", "--port", str(self.port_base + 1), "--bind",
                            "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir,
                            "--logfile", os.path.join(self.dir, "redis.log"), "--daemonize",
                            "yes", "--pidfile", os.path.join(self.dir, "redis.pid")],
                           check=True, timeout=30)
            wait_until(lambda: self.redis("ping") == "PONG", 30, "redis back")
            return
        with open(os.path.join(self.dir, name + ".log"), "a") as log:
            p = subprocess.Popen(self._argv[name], stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True, env=self.env)
        self._procs.append(p)
        with open(os.path.join(self.dir, name + ".pid"), "w") as f:
            f.write(str(p.pid))
        service = int(name.split("-")[1]) if name.startswith("gateway-") else name
        wait_until(lambda: _http_status(self.ops_port(service), "/readyz") == 200, 60,
                   name + " ready")

    def log(self, name):
        with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
            return f.read()

    def stop(self, keep_logs=None):
        """Stops every process of this cluster and releases its ports; safe to call twice.
        Called while an exception propagates (a test failed in the `try` it guards), or
        with keep_logs=True, it first copies the services' logs to BUILD/e2e-logs/."""
        if keep_logs is None:
            keep_logs = sys.exc_info()[0] is not None
        if keep_logs and getattr(self, "dir", None) and os.path.isdir(self.dir):
            kept = os.path.join(BUILD, "e2e-logs",
                                time.strftime("%H%M%S-") + os.path.basename(self.dir))
            os.makedirs(kept, exist_ok=True)
            for name in os.listdir(self.dir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(self.dir, name), kept)
            print(f"cluster logs kept in {kept}", file=sys.stderr)
        if getattr(self, "env", None) is not None:
            subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), "stop"], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        for p in getattr(self, "_procs", []):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if getattr(self, "_watchdog", None) is not None:
            try:
                self._watchdog.stdin.write("done\n")
                self._watchdog.stdin.close()
            except OSError:
                pass
            self._watchdog.wait(timeout=130)
            self._watchdog = None
        for block in (getattr(self, "_ports", None), getattr(self, "_c2s", None)):
            if block is not None:
                block.release()
        if getattr(self, "dir", None):
            shutil.rmtree(self.dir, ignore_errors=True)

def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _http_status(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = s.recv(64).decode("latin-1")
        return int(head.split()[1]) if head.startswith("HTTP/") else 0
    except (OSError, ValueError, IndexError):
        return 0


def metric(port, name):
    """The sum of a Prometheus metric's samples on an ops endpoint (0 if absent); `name` may
    carry labels: 'xmpp_stanzas_in_total{kind="message"}'."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return 0
    total = 0.0
    for line in data.decode("utf-8", "replace").splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ") or
                ("{" in name and line.startswith(name))):
            total += float(line.rsplit(" ", 1)[1])
    return total


class CuttableProxy:
    """A TCP proxy on a free loopback port (a thread) whose connections can be cut and its
    accepting paused: a network break between two services, with both processes alive."""

    def __init__(self):
        self._lock = threading.Lock()
        self._target = None
        self._open = True
        self._pairs = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def aim(self, port):
        self._target = port

    def cut(self):
        """Closes every proxied connection and refuses new ones until resume()."""
        with self._lock:
            self._open = False
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def resume(self):
        with self._lock:
            self._open = True

    def close(self):
        self.cut()
        self._listener.close()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._open or self._target is None:
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def cluster_processes(data_dir, ports):
    """Pids whose command line names `data_dir` or listens on one of `ports` (Redis renames
    itself to "redis-server 127.0.0.1:PORT")."""
    needles = [data_dir] + [f"127.0.0.1:{p} " for p in ports]
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace") + " "
            with open(f"/proc/{entry}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue  # a zombie holds nothing
        except OSError:
            continue
        if any(n in cmd for n in needles):
            found.append(int(entry))
    return found


def rss_kib(pid):
    """Resident memory of `pid` in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_until(predicate, timeout, what):
    """Polls `predicate` until true or the deadline (blocking; for non-async tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


async def until(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records what it receives."""

    def __init__(self, jid, password, cluster, mech=None, plugins=()):
        super().__init__(jid, password, sasl_mech=mech)
        self.ssl_context = ssl.create_default_context(cafile=cluster.cert)
        for plugin in ("xep_0030", "xep_0199", "xep_0203") + tuple(plugins):
            self.register_plugin(plugin)
        self.messages = []
        self.presences = []
        self.failed = None
        self.started = False
        self.disconnected_ = False
        self.add_event_handler("session_start", self._started)
        self.add_event_handler("failed_auth", self._failed)
        self.add_event_handler("message", lambda m: self.messages.append(m))
        self.add_event_handler("presence", lambda p: self.presences.append(p))
        self.add_event_handler("disconnected", self._disconnected)

    def _started(self, _):
        self.started = True

    def _failed(self, _):
        self.failed = True

    def _disconnected(self, _):
        self.disconnected_ = True

    def presence_from(self, jid, ptype=None):
        return [p for p in self.presences if str(p["from"]) == jid and
                (ptype is None or p["type"] == ptype)]


async def login(cluster, jid, password, gateway=0, mech=None, presence=True, priority=None,
                plugins=()):
    c = Client(jid, password, cluster, mech, plugins)
    c.connect(("127.0.0.1", cluster.c2s_port(gateway)))
    await until(lambda: c.started or c.failed or c.disconnected_, 20, "login of " + jid)
    if not c.started:
        raise AssertionError("login failed for " + jid)
    if presence:
        c.send_presence(ppriority=priority)
        # The answer to a ping is routed after this session's bind and presence (one ordered
        # path per bare JID): once it is back, the router knows the session.
        await c.plugin["xep_0199"].ping(jid=DOMAIN, timeout=20)
    return c


async def logout(*clients):
    for c in clients:
        c.disconnect()
    await until(lambda: all(c.disconnected_ for c in clients), 15, "disconnect")


class RawClient:
    """A blocking XML client over a real socket: STARTTLS, SASL PLAIN, bind, raw bytes."""

    def __init__(self, cluster, gateway=0, timeout=10):
        self.cluster = cluster
        self.sock = socket.create_connection(("127.0.0.1", cluster.c2s_port(gateway)),
                                             timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_until(self, pattern, timeout=10):
        """Reads until `pattern` (a regex on the decoded text so far) matches."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.buf.decode("utf-8", "replace")
            m = re.search(pattern, text, re.S)
            if m:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in {text!r}")
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise AssertionError(f"closed before {pattern!r}; got {text!r}")
            self.buf += chunk

    def read_to_close(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (ConnectionResetError, ssl.SSLError):
                break
            if not chunk:
                break
            self.buf += chunk
        else:
            raise AssertionError("connection not closed: " + self.buf.decode("utf-8", "replace"))
        return self.buf.decode("utf-8", "replace")

    def clear(self):
        self.buf = b""

    def open_stream(self, version=True):
        v = " version='1.0'" if version else ""
        self.send(f"<stream:stream to='{DOMAIN}' xmlns='jabber:client' "
                  f"xmlns:stream='http://etherx.jabber.org/streams'{v}>")

    def starttls(self):
        self.open_stream()
        self.read_until(r"</stream:features>")
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.read_until(r"<proceed")
        ctx = ssl.create_default_context(cafile=self.cluster.cert)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=DOMAIN)
        self.clear()

    def authenticate(self, user, password):
        """STARTTLS, SASL PLAIN, the restarted stream's features: ready to bind (or to
        resume a XEP-0198 session)."""
        self.starttls()
        self.open_stream()
        self.read_until(r"</stream:features>")
        payload = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.clear()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{payload}</auth>")
        self.read_until(r"<success")
        self.clear()
        self.open_stream()
        text = self.read_until(r"</stream:features>")
        self.clear()
        return text

    def login(self, user, password, resource="raw"):
        self.authenticate(user, password)
        self.send(f"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  f"<resource>{resource}</resource></bind></iq>")
        text = self.read_until(r"</iq>")
        self.jid = re.search(r"<jid>([^<]+)</jid>", text).group(1)
        self.clear()
        return self.jid

    def sync(self):
        """A ping round trip to the server: everything this session sent before (bind,
        presence) has been processed by the router when the answer is back."""
        self.send("<iq type='get' id='sync1'><ping xmlns='urn:xmpp:ping'/></iq>")
        self.read_until(r"sync1")
        self.clear()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def run(coro):
    return asyncio.run(coro)
