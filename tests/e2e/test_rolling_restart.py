"""End to end: a rolling restart of every gateway (scripts/cluster.sh rolling-restart) during a
steady chat between two slixmpp clients with resumable XEP-0198 stream management (issue 10).
Each gateway in turn gets SIGTERM: its SM clients' sessions detach with their state stored and
the connection closes; the clients reconnect to the other gateway and resume. Every message
the server acknowledged (XEP-0198 h: from then on it is the server's) is delivered, and none
twice. (Before: a gateway restart ended every session on it with <system-shutdown/>, and what
was in flight to its clients was lost.)"""

import asyncio
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, login, run, until  # noqa: E402


class Resuming:
    """A slixmpp client that, whenever its connection drops, connects to the other gateway
    and resumes (its xep_0198 plugin sends <resume/> since it holds an id)."""

    def __init__(self, cluster, client, gateway, name):
        self.cluster, self.c, self.gateway, self.name = cluster, client, gateway, name
        self.sm = client.plugin["xep_0198"]
        self.acked = []      # bodies of messages the server acknowledged
        self.sent = 0
        self.resumes = 0
        self.new_sessions = 0
        self.reconnecting = False
        self.stopping = False
        client.add_event_handler("stanza_acked", self._acked)
        client.add_event_handler("session_resumed", self._resumed)
        client.add_event_handler("session_start", self._started)
        client.add_event_handler("disconnected", self._dropped)

    def _acked(self, stanza):
        if stanza.name == "message" and stanza["body"]:
            self.acked.append(stanza["body"])

    def _resumed(self, _):
        self.resumes += 1
        self.reconnecting = False

    def _started(self, _):
        if self.reconnecting:
            self.new_sessions += 1  # a resume failed: a new session (counted, asserted on)
            self.reconnecting = False

    def _dropped(self, _):
        if self.stopping:
            return
        # The other gateway: this one is stopping (slixmpp retries until it connects).
        self.reconnecting = True
        self.gateway = 1 - self.gateway
        self.c.connect(("127.0.0.1", self.cluster.c2s_port(self.gateway)))

    def live(self):
        return not self.reconnecting and self.sm.enabled_in and self.c.transport is not None

    def send(self, to):
        self.sent += 1
        self.c.send_message(mto=to, mbody=f"{self.name}{self.sent}", mtype="chat")


class RollingRestartTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=2)
        for user in ("alice", "bob"):
            cls.cluster.adduser(user, user + "-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_every_acknowledged_message_is_delivered_once_across_a_rolling_restart(self):
        async def go():
            a = await login(self.cluster, "alice@localhost/rr", "alice-pw", gateway=0,
                            plugins=("xep_0198",))
            b = await login(self.cluster, "bob@localhost/rr", "bob-pw", gateway=1,
                            plugins=("xep_0198",))
            await until(lambda: a.plugin["xep_0198"].sm_id and b.plugin["xep_0198"].sm_id, 10,
                        "resumable stream management enabled")
            ra, rb = Resuming(self.cluster, a, 0, "a"), Resuming(self.cluster, b, 1, "b")
            restart = asyncio.get_event_loop().run_in_executor(None,
                                                               self.cluster.rolling_restart)
            # A steady chat both ways, every 20 ms from whoever is connected, through the
            # whole restart and a little after.
            while not restart.done() or ra.sent < 50:
                for r, to in ((ra, "bob@localhost/rr"), (rb, "alice@localhost/rr")):
                    if r.live():
                        r.send(to)
                await asyncio.sleep(0.02)
            await restart
            await until(lambda: ra.live() and rb.live(), 30, "both resumed")
            for r in (ra, rb):
                r.sm.request_ack()
            await until(lambda: not ra.sm.unacked_queue and not rb.sm.unacked_queue, 30,
                        "everything sent acknowledged by the server")

            def bodies(c, prefix):
                return [m["body"] for m in c.messages if m["body"].startswith(prefix)]
            await until(lambda: set(ra.acked) <= set(bodies(b, "a")) and
                        set(rb.acked) <= set(bodies(a, "b")), 30,
                        "every acknowledged message delivered")
            for got in (bodies(b, "a"), bodies(a, "b")):
                self.assertEqual(len(got), len(set(got)), "delivered twice")
            self.assertGreaterEqual(ra.resumes + rb.resumes, 2)  # each gateway held one
            self.assertEqual(ra.new_sessions + rb.new_sessions, 0)
            print(f"\nrolling restart: alice sent {ra.sent}, {len(ra.acked)} acknowledged, "
                  f"bob got {len(bodies(b, 'a'))}; bob sent {rb.sent}, {len(rb.acked)} "
                  f"acknowledged, alice got {len(bodies(a, 'b'))}; resumes {ra.resumes} + "
                  f"{rb.resumes}", file=sys.stderr)
            ra.stopping = rb.stopping = True
            a.disconnect()
            b.disconnect()
            await until(lambda: a.disconnected_ and b.disconnected_, 15, "disconnect")
        run(go())


if __name__ == "__main__":
    unittest.main()
