"""End to end: other real clients than slixmpp. go-sendxmpp (Debian's package, Go's
mellium/xmpp-era client) logs in over STARTTLS and direct TLS and sends a message that a
slixmpp client receives."""

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
        cls.cluster = Cluster(gateways=1)
        for name in ("gina", "hank"):
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
