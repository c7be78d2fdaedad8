"""End to end: the data path under abuse and at its edges (issue 9). Each test is named for
the numbered case of the issue it covers; the raw-socket client is used where no library
would send such bytes (a 2 MiB stanza, a stanza and close_notify in one TCP segment)."""

import os
import re
import resource
import selectors
import signal
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DOMAIN, Cluster, RawClient, login, logout, metric, run, until,  # noqa: E402
                     wait_until)

import asyncio  # noqa: E402
import base64  # noqa: E402


class BioTlsClient:
    """A c2s client whose TLS runs over memory BIOs, so the test decides which TLS records
    leave in one TCP segment."""

    def __init__(self, cluster, gateway=0):
        self.raw = RawClient(cluster, gateway)
        self.raw.open_stream()
        self.raw.read_until(r"</stream:features>")
        self.raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.raw.read_until(r"<proceed")
        self.sock = self.raw.sock
        ctx = ssl.create_default_context(cafile=cluster.cert)
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=DOMAIN)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._receive()
        self._flush()
        self.plain = ""

    def _flush(self):
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)

    def _receive(self, timeout=10):
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        if not data:
            raise AssertionError("closed by the server")
        self.incoming.write(data)

    def send(self, text):
        self.tls.write(text.encode())
        self._flush()

    def read_until(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.plain, re.S):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in {self.plain!r}")
            try:
                while True:
                    self.plain += self.tls.read(65536).decode("utf-8", "replace")
            except ssl.SSLWantReadError:
                pass
            if not re.search(pattern, self.plain, re.S):
                self._receive(max(0.05, deadline - time.monotonic()))
        text, self.plain = self.plain, ""
        return text

    def open_stream(self):
        self.send(f"<stream:stream to='{DOMAIN}' xmlns='jabber:client' "
                  f"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")

    def login(self, user, password, resource):
        self.open_stream()
        self.read_until(r"</stream:features>")
        payload = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{payload}</auth>")
        self.read_until(r"<success")
        self.open_stream()
        self.read_until(r"</stream:features>")
        self.send(f"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  f"<resource>{resource}</resource></bind></iq>")
        self.read_until(r"</iq>")

    def send_then_close_notify(self, text):
        """`text` and the TLS close_notify in one TCP segment."""
        self.tls.write(text.encode())
        try:
            self.tls.unwrap()
        except ssl.SSLWantReadError:
            pass  # our close_notify is written; the server's is not awaited
        self.sock.sendall(self.outgoing.read())


class DataPathTest(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=1)
        for name in ("alice", "bob"):
            cls.cluster.adduser(name, name + "-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def _stream_error_despite_unread_input(self, payload):
        """Like a single-threaded client: all of `payload` is written first (the server must
        keep reading after its error, or the write fails on a reset), then read. 32 MiB is
        more than loopback's socket buffers take without the server reading."""
        c = RawClient(self.cluster)
        c.open_stream()
        c.read_until(r"</stream:features>")
        c.clear()
        c.sock.settimeout(15)
        c.sock.sendall(payload)
        text = c.read_to_close(timeout=15)
        c.sock.close()
        return text

    def test_case10_an_oversized_stanza_gets_a_readable_stream_error(self):
        payload = b"<message to='bob@localhost'><body>" + b"x" * (32 * 1024 * 1024)
        text = self._stream_error_despite_unread_input(payload)
        self.assertRegex(text, r"<stream:error><policy-violation [^>]*/></stream:error>"
                               r"</stream:stream>")

    def test_case10_deep_nesting_gets_a_readable_stream_error(self):
        payload = b"<message>" + b"<a>" * 10000 + b" " * (32 * 1024 * 1024)
        text = self._stream_error_despite_unread_input(payload)
        self.assertIn("<policy-violation ", text)
        self.assertTrue(text.endswith("</stream:stream>"), text[-200:])

    def test_case2_an_offline_message_is_deleted_only_once_a_ping_after_it_is_answered(self):
        self.cluster.adduser("dora", "dora-pw")
        alice = RawClient(self.cluster)
        alice.login("alice", "alice-pw", "offline-sender")
        alice.send("<message to='dora@localhost' type='chat' id='o1'><body>kept</body></message>")
        alice.sync()  # stored before dora logs in

        def dora_login(answer):
            dora = RawClient(self.cluster)
            dora.login("dora", "dora-pw", "phone")
            dora.send("<presence/><iq type='get' id='after'><ping xmlns='urn:xmpp:ping'/></iq>")
            # The router sends the stored messages before it answers the ping.
            got = "<body>kept</body>" in dora.read_until(r"id=\"after\"")
            if got:
                text = dora.read_until(r"delivery-proof-\d+")
                ping = re.search(r"id=\"(delivery-proof-\d+)\"", text).group(1)
                if answer:
                    dora.send(f"<iq type='result' id='{ping}' to='localhost'/>")
                    dora.sync()
            dora.close()
            return got

        # Read (written to the socket) but never proven: still stored, sent again.
        self.assertTrue(dora_login(answer=False))
        self.assertTrue(dora_login(answer=True))
        self.assertFalse(dora_login(answer=True))
        alice.close()

    def test_case7_the_stanza_read_with_close_notify_is_delivered(self):
        bob = RawClient(self.cluster)
        bob.login("bob", "bob-pw", "pc")
        bob.send("<presence/>")
        bob.sync()
        alice = BioTlsClient(self.cluster)
        alice.login("alice", "alice-pw", "laptop")
        alice.send_then_close_notify(
            "<message to='bob@localhost/pc' type='chat' id='last'><body>last words</body></message>")
        text = bob.read_until(r"last words")
        self.assertIn("from=\"alice@localhost/laptop\"", text)
        alice.sock.close()
        bob.close()


if __name__ == "__main__":
    unittest.main()


class PreAuthDeadlineTest(unittest.TestCase):
    """Case 13 (part): connections that never authenticate are closed at the pre-auth deadline
    (here 3 s) and do not stop a real client from logging in."""

    cluster = None
    DEADLINE_S = 3
    IDLE = 1000

    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 4 * cls.IDLE  # our sockets and the gateway's (it inherits the limit)
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
        cls.cluster = Cluster(gateways=1,
                              gateway_args=f"--c2s.preauth_timeout_s={cls.DEADLINE_S} "
                                           f"--c2s.max_connections_per_address=0 "
                                           f"--c2s.max_accepts_per_second_per_address=0")
        cls.cluster.adduser("carol", "carol-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_case13_silent_and_stalled_connections_end_at_the_preauth_deadline(self):
        port = self.cluster.c2s_port(0)
        tls_port = self.cluster.tls_port(0)
        idle, opened, lasted = [], {}, []
        started = time.monotonic()
        for i in range(self.IDLE):
            s = socket.create_connection(("127.0.0.1", tls_port if i % 4 == 3 else port),
                                         timeout=10)
            if i % 4 == 1:
                s.sendall(b"<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabb")
            elif i % 4 == 2:
                s.sendall(b"<stream:stream to='localhost' xmlns='jabber:client' xmlns:stream="
                          b"'http://etherx.jabber.org/streams' version='1.0'>")
            elif i % 4 == 3:
                s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # half a ClientHello
            idle.append(s)
            opened[s] = time.monotonic()

        async def real_client():
            c = await login(self.cluster, "carol@localhost/pc", "carol-pw")
            await logout(c)

        run(real_client())
        # Every idle connection ends (EOF or reset) by the deadline plus a margin.
        deadline = started + self.DEADLINE_S + 10
        open_ = list(idle)
        sel = selectors.DefaultSelector()  # epoll: select() stops at fd 1024
        for s in idle:
            sel.register(s, selectors.EVENT_READ)
        while open_ and time.monotonic() < deadline:
            for key, _ in sel.select(0.5):
                s = key.fileobj
                sel.unregister(s)
                try:
                    data = s.recv(65536)
                    while data:
                        data = s.recv(65536)
                except (ConnectionResetError, socket.timeout, BlockingIOError):
                    pass
                lasted.append(time.monotonic() - opened[s])
                open_.remove(s)
        for s in idle:
            s.close()
        self.assertEqual(len(open_), 0, f"{len(open_)} idle connections still open")
        # Not before the deadline (the real client's login proved the gateway kept serving).
        self.assertGreaterEqual(min(lasted), self.DEADLINE_S - 0.5)


class AcceptFailureTest(unittest.TestCase):
    """Case 13 (rest): out of descriptors (EMFILE), the gateway pauses accepting instead of
    spinning on the failing accept; it counts and logs the failures, and once descriptors are
    free again a real client logs in."""

    def test_case13_accept_pauses_on_emfile_instead_of_spinning(self):
        cluster = Cluster(gateways=1, gateway_args="--c2s.max_connections_per_address=0 "
                                                   "--c2s.accept_burst_per_address=1000")
        held = []
        try:
            cluster.adduser("fay", "fay-pw")
            pid = cluster.pid("gateway-0")
            in_use = len(os.listdir(f"/proc/{pid}/fd"))
            limit = in_use + 10
            subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={limit}:{limit}"], check=True)
            for _ in range(40):  # the kernel completes them; the gateway cannot take them all
                held.append(socket.create_connection(("127.0.0.1", cluster.c2s_port(0))))
            # Out of descriptors, the ops endpoint cannot take a connection either: the log
            # says it first, the counter once descriptors are free.
            wait_until(lambda: "accept failed, pausing accepts" in cluster.log("gateway-0"), 20,
                       "accept failures logged")

            def cpu_seconds():
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            t0, before = time.monotonic(), cpu_seconds()
            time.sleep(2.0)  # a measuring window, not a wait for an event
            used = cpu_seconds() - before
            # Spinning on the failing accept takes a core: about 2 s of CPU in 2 s.
            self.assertLess(used, 1.0, f"{used:.2f} s of CPU in 2 s out of descriptors")
            for s in held:
                s.close()
            held.clear()
            # Counted (metric() reads 0 while the ops endpoint cannot accept either): about
            # one failure per 100 ms pause; a spin makes millions.
            port = cluster.ops_port(0)
            wait_until(lambda: metric(port, "xmpp_gateway_accept_failures_total") >= 1, 30,
                       "accept failures counted")
            failures = metric(port, "xmpp_gateway_accept_failures_total")
            self.assertLess(failures, 20 * (time.monotonic() - t0 + 20))

            async def go():
                c = await login(cluster, "fay@localhost/f", "fay-pw")
                await logout(c)
            run(go())
        finally:
            for s in held:
                s.close()
            cluster.stop()


class PerAddressLimitTest(unittest.TestCase):
    """Case 13 (part): connections per client address are capped (here 5)."""

    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=1, gateway_args="--c2s.max_connections_per_address=5")
        cls.cluster.adduser("erin", "erin-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_case13_connections_past_the_per_address_limit_get_policy_violation(self):
        held = [RawClient(self.cluster) for _ in range(5)]
        for c in held:
            c.open_stream()
            c.read_until(r"</stream:features>")
        extra = RawClient(self.cluster)
        text = extra.read_to_close()
        self.assertIn("<policy-violation ", text)
        self.assertIn("too many connections from this address", text)
        extra.sock.close()
        # A slot given back is a slot again.
        held.pop().sock.close()

        def admitted():
            c = RawClient(self.cluster)
            try:
                c.open_stream()
                return "</stream:features>" in c.read_until(r"</stream:features>|</stream:stream>")
            finally:
                c.sock.close()

        deadline = time.monotonic() + 10
        while not admitted():
            self.assertLess(time.monotonic(), deadline, "the freed slot was never given back")
        for c in held:
            c.sock.close()


class LargeStanzaTest(unittest.TestCase):
    """Cases 4 and 5: 25 stanzas of 200 KiB (5 MiB, more than a gRPC message's default 4 MiB)
    queued at once between the services lose nothing."""

    COUNT = 25
    BODY = "y" * (200 * 1024)

    def setUp(self):
        # (Unshaped: 5 MiB from one client would take 16 s at the default 256 KiB/s.)
        self.cluster = Cluster(gateways=1, gateway_args="--c2s.max_bytes_per_second=0")
        for name in ("alice", "carol"):
            self.cluster.adduser(name, name + "-pw")

    def tearDown(self):
        self.cluster.stop()

    def stored_for(self, user):
        return self.cluster.stored_offline(user)

    async def send_all(self, alice):
        for i in range(self.COUNT):
            alice.send_message(mto="carol@localhost", mbody=f"{i} {self.BODY}", mtype="chat")

    async def receive_all(self):
        carol = await login(self.cluster, "carol@localhost/c", "carol-pw")
        await until(lambda: len(carol.messages) >= self.COUNT, 60, "every offline message")
        got = sorted(int(m["body"].split(" ", 1)[0]) for m in carol.messages)
        self.assertEqual(got, list(range(self.COUNT)))
        self.assertTrue(all(m["delay"]["stamp"] is not None for m in carol.messages))
        # Each was deleted once carol answered the ping that followed its page.
        await until(lambda: self.stored_for("carol") == 0, 30, "offline store emptied")
        await logout(carol)

    def test_case4_large_stanzas_queued_while_the_router_is_down_all_arrive(self):
        async def go():
            alice = await login(self.cluster, "alice@localhost/a", "alice-pw")
            await asyncio.get_running_loop().run_in_executor(None, self.cluster.kill, "router")
            await self.send_all(alice)
            # Read by the gateway, which holds them for the router (5 MiB in one backlog).
            await until(lambda: metric(self.cluster.ops_port(0),
                                       'xmpp_stanzas_in_total{kind="message"}') >= self.COUNT,
                        60, "the gateway read every message")
            await asyncio.get_running_loop().run_in_executor(None, self.cluster.restart, "router")
            await until(lambda: self.stored_for("carol") == self.COUNT, 60,
                        "all stored offline once the router is back")
            await logout(alice)
            await self.receive_all()
        run(go())

    def test_case5_large_offline_messages_all_arrive(self):
        async def go():
            alice = await login(self.cluster, "alice@localhost/a", "alice-pw")
            await self.send_all(alice)
            await until(lambda: self.stored_for("carol") == self.COUNT, 60, "all stored")
            await logout(alice)
            await self.receive_all()
        run(go())


class ShaperTest(unittest.TestCase):
    """Case 13: a client sending faster than its shaper allows is slowed down (its socket is
    read later), and nothing it sent is lost."""

    def test_case13_a_fast_sender_is_shaped_and_every_stanza_answered(self):
        cluster = Cluster(gateways=1, gateway_args="--c2s.max_bytes_per_second=20000 "
                                                   "--c2s.burst_bytes=20000")
        try:
            cluster.adduser("erin", "erin-pw")
            c = RawClient(cluster)
            c.login("erin", "erin-pw")
            c.clear()
            pad = "p" * 150
            c.send("".join(f"<iq type='get' id='s{i}-{pad}' to='localhost'>"
                           "<ping xmlns='urn:xmpp:ping'/></iq>" for i in range(300)))  # ~60 KB
            text = c.read_until(r"id=\"s299-", timeout=30)
            self.assertEqual(len(re.findall(r"<iq [^>]*type=\"result\"", text)), 300)
            self.assertGreater(metric(cluster.ops_port(0), "xmpp_gateway_shaper_pauses_total"), 0)
            c.close()
        finally:
            cluster.stop()


class SessionDirectoryDownTest(unittest.TestCase):
    """Case 8: with the session directory (Redis) gone, a bind is answered with a 'wait'
    error, not a JID nobody can reach."""

    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=1)
        cls.cluster.adduser("finn", "finn-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_case8_a_bind_the_directory_cannot_record_is_a_wait_error(self):
        c = RawClient(self.cluster)
        c.starttls()
        c.open_stream()
        c.read_until(r"</stream:features>")
        payload = base64.b64encode(b"\0finn\0finn-pw").decode()
        c.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{payload}</auth>")
        c.read_until(r"<success")
        c.clear()
        c.open_stream()
        c.read_until(r"</stream:features>")
        c.clear()
        os.kill(self.cluster.pid("redis"), signal.SIGKILL)
        c.send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
               "<resource>r</resource></bind></iq>")
        text = c.read_until(r"</iq>", timeout=20)
        self.assertRegex(text, r"<iq type=\"error\" id=\"bind1\"><error [^>]*type=\"wait\">"
                               r"<resource-constraint ")
        c.close()


class LoginStormTest(unittest.TestCase):
    """Case 11: 100 logins in flight at once, default settings: every one succeeds (the auth
    service's busy threads make the gateways wait and retry, not fail the login)."""

    cluster = None
    USERS = 10
    RESOURCES = 10

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=2)
        for i in range(cls.USERS):
            cls.cluster.adduser(f"storm{i}", f"storm{i}-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_case11_a_storm_of_100_logins_all_succeed(self):
        async def one(i, r):
            try:
                return await login(self.cluster, f"storm{i}@localhost/r{r}", f"storm{i}-pw",
                                   gateway=(i + r) % 2, presence=False)
            except AssertionError:
                return None

        async def storm():
            clients = await asyncio.gather(*(one(i, r) for i in range(self.USERS)
                                             for r in range(self.RESOURCES)))
            ok = [c for c in clients if c is not None]
            await logout(*ok)
            return len(ok)

        self.assertEqual(run(storm()), self.USERS * self.RESOURCES)
