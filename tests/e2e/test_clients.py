"""End to end: go-sendxmpp (Debian's package) logs in over STARTTLS and direct TLS and sends
a message that a slixmpp client receives; XEP-0352 client state indication through slixmpp's
xep_0352; server pings to a raw client that stops answering."""

import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, RawClient, login, logout, run, until  # noqa: E402

GO_SENDXMPP = shutil.which("go-sendxmpp") or "/usr/bin/go-sendxmpp"


class ClientsTest(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=1, gateway_args="--auth.registration=true",
                              auth_args="--auth.registration=true "
                                        "--auth.registrations_per_address=3")
        for name in ("gina", "hank", "jane", "kurt"):
            cls.cluster.adduser(name, name + "-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def go_sendxmpp(self, body, port, *flags):
        # -n: the test certificate is self-signed.
        return subprocess.run(
            [GO_SENDXMPP, "-u", "gina@localhost", "-p", "gina-pw", "-j", f"127.0.0.1:{port}",
             "-n", "--timeout", "20", *flags, "hank@localhost"],
            input=body, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
            env=dict(os.environ, HOME=self.cluster.dir))

    def test_go_sendxmpp_logs_in_and_sends(self):
        async def go():
            hank = await login(self.cluster, "hank@localhost/desk", "hank-pw")
            r = self.go_sendxmpp("hello from go-sendxmpp\n", self.cluster.c2s_port(0))
            self.assertEqual(r.returncode, 0, r.stdout)
            r = self.go_sendxmpp("and over direct TLS\n", self.cluster.tls_port(0), "-t")
            self.assertEqual(r.returncode, 0, r.stdout)
            await until(lambda: len(hank.messages) >= 2, 15, "go-sendxmpp's messages")
            bodies = [m["body"].strip() for m in hank.messages]
            self.assertEqual(bodies, ["hello from go-sendxmpp", "and over direct TLS"])
            self.assertTrue(str(hank.messages[0]["from"]).startswith("gina@localhost/"))
            await logout(hank)
        run(go())

    def test_csi_inactive_client_gets_everything_in_order(self):
        async def go():
            jane = await login(self.cluster, "jane@localhost/phone", "jane-pw",
                               plugins=("xep_0352", "xep_0085"))
            kurt = await login(self.cluster, "kurt@localhost/pc", "kurt-pw")
            # slixmpp enables CSI only when the stream advertised it.
            self.assertTrue(jane.plugin["xep_0352"].enabled)
            got = []  # chat states and bodies, in arrival order
            jane.add_event_handler("chatstate", lambda m: got.append(m["chat_state"]))
            jane.add_event_handler("message", lambda m: got.append(m["body"]))
            jane.plugin["xep_0352"].send_inactive()
            # Held while inactive (unit-tested), written before the next message with a body.
            state = kurt.make_message(mto="jane@localhost/phone", mtype="chat")
            state["chat_state"] = "composing"
            state.send()
            kurt.send_message(mto="jane@localhost/phone", mbody="wake up", mtype="chat")
            await until(lambda: "wake up" in got, 10, "the message with a body")
            self.assertEqual(got, ["composing", "wake up"])
            jane.plugin["xep_0352"].send_active()
            state = kurt.make_message(mto="jane@localhost/phone", mtype="chat")
            state["chat_state"] = "paused"
            state.send()
            await until(lambda: len(got) == 3, 10, "the chat state after active")
            self.assertEqual(got[2], "paused")
            await logout(jane, kurt)
        run(go())

    def register(self, user, password):
        """XEP-0077 registration on a fresh stream (raw: before login); the answer's text."""
        c = RawClient(self.cluster)
        try:
            c.starttls()
            c.open_stream()
            c.read_until(r"</stream:features>")
            c.clear()
            c.send(f"<iq type='set' id='reg'><query xmlns='jabber:iq:register'>"
                   f"<username>{user}</username><password>{password}</password></query></iq>")
            # The auth service answers within its own call budget (10 s, retries included);
            # a loaded box (the CI runs two suites at once) may use most of it.
            return c.read_until(r"</iq>|<iq [^>]*/>", timeout=30)
        finally:
            c.close()

    def test_account_removal_reserves_the_name_and_registration_is_throttled(self):
        async def go():
            self.assertIn('type="result"', self.register("zed", "zed-pw"))
            zed = await login(self.cluster, "zed@localhost/pc", "zed-pw",
                              plugins=("xep_0077",))
            await zed.plugin["xep_0077"].cancel_registration(timeout=10)
            await until(lambda: zed.disconnected_, 10, "the stream to end after removal")
            with self.assertRaises(AssertionError):
                await login(self.cluster, "zed@localhost/again", "zed-pw")
            # The name stays reserved.
            self.assertIn("<conflict", self.register("zed", "other-pw"))
            # Three registrations per address and window: zed, then two more, then refused.
            self.assertIn('type="result"', self.register("yan", "yan-pw"))
            self.assertIn('type="result"', self.register("xia", "xia-pw"))
            self.assertIn("<resource-constraint", self.register("wes", "wes-pw"))
        run(go())


class ServerPingTest(unittest.TestCase):
    """XEP-0199 pings from the server find dead peers: what no library would do (stay
    connected and never answer) is done with the raw client."""
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=1,
                              gateway_args="--c2s.ping_after_s=1 --c2s.idle_timeout_s=3")
        cls.cluster.adduser("ivy", "ivy-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_answered_pings_keep_the_session_and_silence_ends_it(self):
        c = RawClient(self.cluster)
        try:
            jid = c.login("ivy", "ivy-pw")
            text = c.read_until(r"<iq [^>]*type=\"get\"[^>]*><ping xmlns=\"urn:xmpp:ping\"/>",
                                timeout=10)
            ping_id = re.search(r'<iq [^>]*id="([^"]+)"[^>]*><ping', text).group(1)
            self.assertIn(f'to="{jid}"', text)
            c.clear()
            c.send(f"<iq type='result' id='{ping_id}' to='localhost'/>")
            # Answered: the next silence brings another ping, not a timeout.
            text = c.read_until(r"<ping xmlns=\"urn:xmpp:ping\"/>", timeout=10)
            self.assertNotIn("connection-timeout", text)
            c.clear()
            # Never answered: the gateway gives up with a stream error the client can read.
            text = c.read_to_close(timeout=15)
            self.assertIn("<connection-timeout", text)
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main()
