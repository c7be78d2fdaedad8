"""End to end: XEP-0198 stream management, acknowledgements (resumption:
test_resumption.py). A slixmpp client (its xep_0198 plugin) enables it, answers the server's
ack requests and gets the server's count of what it sent; a client that enabled it without
resumption, acknowledged only part of what it was sent and lost its connection gets the rest
from offline storage at its next login (before: SM was refused, and messages written to a
dying socket were lost)."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, RawClient, login, logout, run, until, wait_until  # noqa: E402

STANZA = re.compile(r"<(message|presence|iq)[\s>/]")


class StreamManagementTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=1)
        for user in ("alice", "bob", "carol"):
            cls.cluster.adduser(user, user + "-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def stored_for(self, user):
        return self.cluster.stored_offline(user)

    def test_slixmpp_enables_it_acks_what_it_got_and_the_server_counts_what_it_sent(self):
        async def go():
            alice = await login(self.cluster, "alice@localhost/a", "alice-pw",
                                plugins=("xep_0198",))
            sm = alice.plugin["xep_0198"]
            await until(lambda: sm.enabled_in, 10, "stream management enabled")
            bob = await login(self.cluster, "bob@localhost/b", "bob-pw")
            for i in range(20):
                bob.send_message(mto="alice@localhost/a", mbody=f"m{i}", mtype="chat")
            await until(lambda: len([m for m in alice.messages if m["body"].startswith("m")])
                        == 20, 20, "20 messages to alice")
            for i in range(3):
                alice.send_message(mto="bob@localhost/b", mbody=f"r{i}", mtype="chat")
            await until(lambda: len(bob.messages) == 3, 20, "3 messages to bob")
            # The server's <a h/> names exactly the stanzas alice sent since enabling.
            sm.request_ack()
            await until(lambda: sm.last_ack == sm.seq and not sm.unacked_queue, 10,
                        f"server acknowledged all (h {sm.last_ack}, sent {sm.seq})")
            # The server asked, and alice's plugin answered, for everything she received:
            # nothing is left for the offline path when her stream ends.
            await logout(alice, bob)
            self.assertEqual(self.stored_for("alice"), 0)
        run(go())

    def test_unacknowledged_messages_reach_the_next_login_after_a_dropped_connection(self):
        carol = RawClient(self.cluster)
        carol.login("carol", "carol-pw", "raw")
        carol.send("<enable xmlns='urn:xmpp:sm:3'/>")
        carol.read_until(r"<enabled xmlns=\"urn:xmpp:sm:3\"/>")
        carol.clear()
        carol.send("<presence/><iq type='get' id='s1'><ping xmlns='urn:xmpp:ping'/></iq>")
        carol.read_until(r"id=\"s1\"")

        async def send():
            bob = await login(self.cluster, "bob@localhost/b2", "bob-pw")
            for i in range(1, 6):
                bob.send_message(mto="carol@localhost/raw", mbody=f"n{i}", mtype="chat")
            await bob.plugin["xep_0199"].ping(jid="localhost", timeout=20)
            await logout(bob)
        run(send())
        text = carol.read_until(r"n5</body>.*?</message>")
        # h after the second message: every stanza the server sent since enabling, in order
        # (carol's own presence, the ping's result, the messages), up to the end of "n2".
        h = len(STANZA.findall(text[:text.index("n2</body>")]))
        carol.send(f"<a xmlns='urn:xmpp:sm:3' h='{h}'/>")
        carol.sync()
        carol.close()  # no </stream:stream>: the connection just drops
        wait_until(lambda: self.stored_for("carol") == 3, 20, "the three unacknowledged stored")

        async def again():
            c = await login(self.cluster, "carol@localhost/c", "carol-pw")
            await until(lambda: len(c.messages) >= 3, 20, "stored messages at the next login")
            self.assertEqual([m["body"] for m in c.messages], ["n3", "n4", "n5"])
            self.assertTrue(all(m["delay"]["stamp"] is not None for m in c.messages))
            await logout(c)
        run(again())


if __name__ == "__main__":
    unittest.main()
