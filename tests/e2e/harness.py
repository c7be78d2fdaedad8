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

    def __init__(self, gateways=2, auth_args="", gateway_args="", router_args=""):
        self.gateways = gateways
        self.args = (auth_args, gateway_args, router_args)
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
        env = dict(os.environ)
        env.update({
            "XMPP_DATA_DIR": self.dir,
            "XMPP_GATEWAYS": str(self.gateways),
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
        """service: 'auth', 'userdata', 'router' or gateway index."""
        offsets = {"auth": 0, "userdata": 1, "router": 2}
        return self.port_base + 10 + (offsets[service] if service in offsets else 3 + service)

    def adduser(self, name, password):
        subprocess.run([os.path.join(BUILD, "services", "auth", "xmppctl"), "--auth",
                        self.auth_address, "adduser", name, password], check=True,
                       stdout=subprocess.DEVNULL, timeout=30)

    def pid(self, name):
        with open(os.path.join(self.dir, name + ".pid")) as f:
            return int(f.read().strip())

    def log(self, name):
        with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
            return f.read()

    def stop(self):
        """Stops every process of this cluster and releases its ports; safe to call twice."""
        if getattr(self, "env", None) is not None:
            subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), "stop"], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
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

    def login(self, user, password, resource="raw"):
        self.starttls()
        self.open_stream()
        self.read_until(r"</stream:features>")
        payload = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.clear()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{payload}</auth>")
        self.read_until(r"<success")
        self.clear()
        self.open_stream()
        self.read_until(r"</stream:features>")
        self.clear()
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
