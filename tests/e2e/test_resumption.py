"""End to end: XEP-0198 resumption on any gateway (issue 10). A client that enabled resumable
stream management, received 50 messages and acknowledged 20, loses its connection (the TCP
connection cut, or its gateway killed with -9) and resumes on the other gateway: it gets
exactly the 30 it had not acknowledged, in order, then what was sent to it while it was
detached, and the server's h names what it had sent. When the resumption time runs out
instead, what was unacknowledged is in offline storage and arrives, stamped, at the next
login. Of two resumes of one id at once, exactly one wins. aioxmpp's client resumes by
itself after its connection drops, and so does nbxmpp (Gajim's library); a libstrophe client
resumes on the other gateway after its own was killed. (Before: <enabled/> carried no id and <resume/> was
item-not-found.)"""

import asyncio
import os
import re
import queue
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, RawClient, login, logout, metric, run, until,  # noqa: E402
                     wait_until)

STANZA = re.compile(r"<(message|presence|iq)[\s>/]")
BODY = re.compile(r"<body>([^<]*)</body>")


def enable_resumable(client, max_s=None):
    """<enable resume/>; returns (id, max) from <enabled/>."""
    extra = f" max='{max_s}'" if max_s else ""
    client.send(f"<enable xmlns='urn:xmpp:sm:3' resume='true'{extra}/>")
    text = client.read_until(r"<enabled [^>]*/>")
    enabled = re.search(r"<enabled [^>]*/>", text).group(0)
    assert 'resume="true"' in enabled, enabled
    sm_id = re.search(r'id="([^"]+)"', enabled).group(1)
    max_attr = int(re.search(r'max="(\d+)"', enabled).group(1))
    client.clear()
    return sm_id, max_attr


def handled_through(text, body):
    """XEP-0198 h after the message whose body is `body`: the stanzas the server sent since
    <enabled/> up to it."""
    return len(STANZA.findall(text[:text.index(f"{body}</body>")]))


class ResumptionTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=2)
        for user in ("alice", "bob", "carol", "dave", "erin", "frank", "gina"):
            cls.cluster.adduser(user, user + "-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def send_from_bob(self, to, bodies, resource):
        async def go():
            bob = await login(self.cluster, f"bob@localhost/{resource}", "bob-pw", gateway=1)
            for b in bodies:
                bob.send_message(mto=to, mbody=b, mtype="chat")
            # A round trip after them: the router has routed them all.
            await bob.plugin["xep_0199"].ping(jid="localhost", timeout=20)
            await logout(bob)
        run(go())

    def receive_50_ack_20(self, user, resource):
        c = RawClient(self.cluster, gateway=0)
        c.login(user, user + "-pw", resource)
        sm_id, max_s = enable_resumable(c)
        self.assertEqual(max_s, 300)  # the configured default
        c.send("<presence/><iq type='get' id='s1'><ping xmlns='urn:xmpp:ping'/></iq>")
        c.read_until(r"id=\"s1\"")
        self.send_from_bob(f"{user}@localhost/{resource}", [f"m{i}" for i in range(1, 51)],
                           "b-" + user)
        text = c.read_until(r"m50</body>.*?</message>")
        h = handled_through(text, "m20")
        c.send(f"<a xmlns='urn:xmpp:sm:3' h='{h}'/>")
        c.sync()  # the ack was read (a sync's answer is a stanza too: resent if unacked)
        return c, sm_id, h

    def resume_on_gateway_1(self, user, sm_id, h):
        c = RawClient(self.cluster, gateway=1)
        features = c.authenticate(user, user + "-pw")
        self.assertIn("urn:xmpp:sm:3", features)
        c.send(f"<resume xmlns='urn:xmpp:sm:3' previd='{sm_id}' h='{h}'/>")
        text = c.read_until(r"<resumed [^>]*/>")
        resumed = re.search(r"<resumed [^>]*/>", text).group(0)
        self.assertIn(f'previd="{sm_id}"', resumed)
        return c, int(re.search(r'h="(\d+)"', resumed).group(1))

    def check_resumed(self, user, c, server_h, detached_bodies):
        # Our h: carol's presence, her two pings (s1, the sync) and nothing else.
        self.assertEqual(server_h, 3)
        last = detached_bodies[-1]
        text = c.read_until(rf"{last}</body>.*?</message>", timeout=30)
        bodies = BODY.findall(text)
        expected = [f"m{i}" for i in range(21, 51)] + detached_bodies
        self.assertEqual(bodies, expected)
        # Live again: a new message arrives on the resumed stream.
        self.send_from_bob(f"{user}@localhost/r", ["after"], "b2-" + user)
        self.assertIn("after", BODY.findall(c.read_until(r"after</body>")))
        c.send("</stream:stream>")
        c.read_to_close()

    def test_resume_on_the_other_gateway_after_the_connection_is_cut(self):
        carol, sm_id, acked = self.receive_50_ack_20("carol", "r")
        carol.close()  # no </stream:stream>: the connection just drops
        wait_until(lambda: self.cluster.redis("HGET", f"xmpp:sm:{sm_id}", "sid") == "", 20,
                   "the session detached")
        self.send_from_bob("carol@localhost/r", ["d1", "d2", "d3"], "bd")
        # Queued behind the unacknowledged (m21..m50 and the sync's answer), not offline.
        wait_until(lambda: self.cluster.redis("LLEN", f"xmpp:smq:{sm_id}") == "34", 20,
                   "the three queued for the detached session")
        self.assertEqual(self.cluster.stored_offline("carol"), 0)
        c, h = self.resume_on_gateway_1("carol", sm_id, acked)
        self.check_resumed("carol", c, h, ["d1", "d2", "d3"])

    def test_resume_on_the_other_gateway_after_its_gateway_is_killed(self):
        dave, sm_id, acked = self.receive_50_ack_20("dave", "r")
        self.cluster.kill("gateway-0")
        dave.close()
        try:
            self.send_from_bob("dave@localhost/r", ["k1", "k2"], "bk")
            c, h = self.resume_on_gateway_1("dave", sm_id, acked)
            self.check_resumed("dave", c, h, ["k1", "k2"])
        finally:
            self.cluster.restart("gateway-0")

    def test_the_resumption_time_running_out_stores_what_was_unacknowledged(self):
        erin = RawClient(self.cluster, gateway=0)
        erin.login("erin", "erin-pw", "r")
        sm_id, max_s = enable_resumable(erin, max_s=4)
        self.assertEqual(max_s, 4)  # a shorter max asked for is granted
        erin.send("<presence/>")
        self.send_from_bob("erin@localhost/r", ["e1", "e2", "e3"], "be")
        text = erin.read_until(r"e3</body>.*?</message>")
        erin.send(f"<a xmlns='urn:xmpp:sm:3' h='{handled_through(text, 'e1')}'/>")
        erin.sync()
        erin.close()
        wait_until(lambda: self.cluster.redis("HGET", f"xmpp:sm:{sm_id}", "sid") == "", 20,
                   "the session detached")
        self.send_from_bob("erin@localhost/r", ["e4"], "be2")  # queued while detached
        wait_until(lambda: self.cluster.stored_offline("erin") == 3, 30,
                   "the unacknowledged and the queued stored when the resumption time ran out")
        self.assertEqual(self.cluster.redis("EXISTS", f"xmpp:sm:{sm_id}"), "0")
        # Too late to resume.
        late = RawClient(self.cluster, gateway=1)
        late.authenticate("erin", "erin-pw")
        late.send(f"<resume xmlns='urn:xmpp:sm:3' previd='{sm_id}' h='1'/>")
        late.read_until(r"<failed xmlns=\"urn:xmpp:sm:3\"><item-not-found")
        late.close()

        async def again():
            c = await login(self.cluster, "erin@localhost/c", "erin-pw")
            await until(lambda: len(c.messages) >= 3, 20, "stored messages at the next login")
            self.assertEqual([m["body"] for m in c.messages], ["e2", "e3", "e4"])
            self.assertTrue(all(m["delay"]["stamp"] is not None for m in c.messages))
            await logout(c)
        run(again())

    def test_aioxmpp_resumes_after_its_connection_drops(self):
        import aioxmpp
        import aioxmpp.connector

        async def go():
            jid = aioxmpp.JID.fromstr("alice@localhost/aio")
            client = aioxmpp.PresenceManagedClient(
                jid, aioxmpp.make_security_layer("alice-pw", no_verify=True),
                override_peer=[("127.0.0.1", self.cluster.c2s_port(0),
                                aioxmpp.connector.STARTTLSConnector())])
            resumed = []
            client.on_stream_resumed.connect(lambda: resumed.append(True))
            got = []
            client.stream.register_message_callback(
                aioxmpp.MessageType.CHAT, None,
                lambda m: got.append(m.body.any() if m.body else ""))
            async with client.connected() as stream:
                self.assertTrue(stream.sm_enabled)
                self.assertTrue(stream.sm_resumable)
                previd = stream.sm_id
                await asyncio.get_running_loop().run_in_executor(
                    None, self.send_from_bob, "alice@localhost/aio",
                    ["x1", "x2"], "ba1")
                await until(lambda: got == ["x1", "x2"], 20, "two messages to aioxmpp")
                # The TCP connection drops without a word (no stream footer): its socket
                # is shut under aioxmpp, which sees the connection fail.
                sock = stream._xmlstream._transport.get_extra_info("socket")
                sock.shutdown(socket.SHUT_RDWR)
                await asyncio.get_running_loop().run_in_executor(
                    None, self.send_from_bob, "alice@localhost/aio",
                    ["x3", "x4"], "ba2")
                await until(lambda: resumed, 30, "aioxmpp resumed")
                self.assertEqual(stream.sm_id, previd)
                await until(lambda: got[2:] == ["x3", "x4"], 30, "what was sent meanwhile")
                self.assertEqual(got, ["x1", "x2", "x3", "x4"])
        run(go())

    def spawn(self, argv):
        """A client process; returns it and read_until(line): its output lines so far."""
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line.strip()) for line in p.stdout],
                         daemon=True).start()
        seen = []

        def read_until(want, timeout=30):
            deadline = time.monotonic() + timeout
            while want not in seen:
                try:
                    seen.append(lines.get(timeout=max(0.05, deadline - time.monotonic())))
                except queue.Empty:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"no {want!r} from {argv[0]}; got {seen}")
            return seen
        return p, read_until

    def test_nbxmpp_resumes_after_its_connection_drops(self):
        p, read_until = self.spawn(["/usr/bin/python3",  # Debian's: it has nbxmpp
                                    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 "clients", "nbxmpp_resume.py"),
                                    "gina", "gina-pw", "nbx", str(self.cluster.c2s_port(0))])
        detached = 'xmpp_gateway_sm_sessions_total{outcome="detached"}'
        try:
            read_until("connected")
            before = metric(self.cluster.ops_port(0), detached)
            self.send_from_bob("gina@localhost/nbx", ["g1", "drop"], "bg1")
            read_until("dropped resumable=1")  # its socket closed, no stream footer
            wait_until(lambda: metric(self.cluster.ops_port(0), detached) == before + 1, 20,
                       "the session detached")
            self.send_from_bob("gina@localhost/nbx", ["g2", "g3"], "bg2")
            read_until("resumed")
            seen = read_until("body g3")
            self.assertEqual([line[5:] for line in seen if line.startswith("body ")],
                             ["g1", "drop", "g2", "g3"])
            self.assertNotIn("resume-failed", seen)
            self.send_from_bob("gina@localhost/nbx", ["quit"], "bg3")
            self.assertEqual(p.wait(timeout=30), 0)
        finally:
            if p.poll() is None:
                p.kill()

    def test_libstrophe_resumes_on_the_other_gateway_after_its_gateway_is_killed(self):
        binary = os.path.join(os.environ.get("XMPP_BUILD_DIR", ""), "tests", "e2e",
                              "strophe_resume")
        self.assertTrue(os.path.exists(binary), binary + " (tests/e2e/clients) is built")
        p, read_until = self.spawn([binary, "frank@localhost/strophe", "frank-pw",
                                    str(self.cluster.c2s_port(0)),
                                    str(self.cluster.c2s_port(1)), self.cluster.cert])
        resumed_before = metric(self.cluster.ops_port(1),
                                'xmpp_gateway_sm_sessions_total{outcome="resumed"}')
        try:
            read_until("connected 0")
            self.send_from_bob("frank@localhost/strophe", ["s1", "s2"], "bs1")
            read_until("body s2")
            self.cluster.kill("gateway-0")
            self.send_from_bob("frank@localhost/strophe", ["s3", "s4"], "bs2")
            read_until("connected 1")
            seen = read_until("body s4")
            self.assertEqual([line[5:] for line in seen if line.startswith("body ")],
                             ["s1", "s2", "s3", "s4"])
            self.assertIn("dropped sm=1", seen)
            # The other gateway resumed it (no new session: libstrophe kept its state).
            self.assertEqual(metric(self.cluster.ops_port(1),
                                    'xmpp_gateway_sm_sessions_total{outcome="resumed"}'),
                             resumed_before + 1)
            self.send_from_bob("frank@localhost/strophe", ["quit"], "bs3")
            self.assertEqual(p.wait(timeout=30), 0)  # (under ASan: no leak either)
        finally:
            if p.poll() is None:
                p.kill()
            self.cluster.restart("gateway-0")

    def test_of_two_resumes_at_once_exactly_one_wins_and_another_account_gets_nothing(self):
        alice = RawClient(self.cluster, gateway=0)
        alice.login("alice", "alice-pw", "r")
        sm_id, _ = enable_resumable(alice)
        alice.send("<presence/>")
        alice.sync()
        alice.close()
        wait_until(lambda: self.cluster.redis("HGET", f"xmpp:sm:{sm_id}", "sid") == "", 20,
                   "the session detached")
        # The id alone is not enough: it is bound to the account.
        thief = RawClient(self.cluster, gateway=1)
        thief.authenticate("bob", "bob-pw")
        thief.send(f"<resume xmlns='urn:xmpp:sm:3' previd='{sm_id}' h='0'/>")
        thief.read_until(r"<failed xmlns=\"urn:xmpp:sm:3\"><item-not-found")
        thief.close()
        clients = [RawClient(self.cluster, gateway=g) for g in (0, 1)]
        for c in clients:
            c.authenticate("alice", "alice-pw")
        outcomes = [None, None]

        def attempt(i):
            clients[i].send(f"<resume xmlns='urn:xmpp:sm:3' previd='{sm_id}' h='0'/>")
            text = clients[i].read_until(r"<resumed |<failed ")
            outcomes[i] = "resumed" if "<resumed " in text else "failed"
        threads = [threading.Thread(target=attempt, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(sorted(outcomes), ["failed", "resumed"])
        for c in clients:
            c.close()


if __name__ == "__main__":
    unittest.main()
