"""End to end: the session directory heals itself (issue 9, case 1). Clients stay connected
through a router restart, a network break between the gateways and the router long enough
for their sessions to be swept, and a Redis restart that empties the directory; afterwards
each is still reachable: a chat message to its full JID arrives live and an iq to it is
answered (before, the message went to offline storage and the iq got an error)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, CuttableProxy, login, logout, metric, run, until, wait_until  # noqa: E402


class DirectoryHealingTest(unittest.TestCase):

    def _with_pair(self, cluster, fault):
        """alice on gateway 0 and bob on gateway 1; `fault()` runs between two checks that
        each reaches the other."""
        cluster.adduser("alice", "alice-pw")
        cluster.adduser("bob", "bob-pw")

        async def reachable(alice, bob, text):
            alice.send_message(mto="bob@localhost/b", mbody=text, mtype="chat")
            await until(lambda: any(m["body"] == text for m in bob.messages), 20,
                        f"'{text}' delivered live to bob")
            await alice.plugin["xep_0199"].ping(jid="bob@localhost/b", timeout=20)
            await bob.plugin["xep_0199"].ping(jid="alice@localhost/a", timeout=20)

        async def go():
            alice = await login(cluster, "alice@localhost/a", "alice-pw", gateway=0)
            bob = await login(cluster, "bob@localhost/b", "bob-pw", gateway=1)
            await reachable(alice, bob, "before")
            await asyncio_to_thread(fault)
            await reachable(alice, bob, "after")
            self.assertFalse(alice.disconnected_ or bob.disconnected_)
            await logout(alice, bob)
        run(go())

    def test_case1_sessions_stay_reachable_across_a_router_restart(self):
        cluster = Cluster(gateways=2)
        try:
            def restart_router():
                cluster.kill("router")
                # Down long enough for the gateways' heartbeat keys to expire: the restarted
                # router must not sweep them before they are back.
                gateways = cluster.redis("SMEMBERS", "xmpp:gateways").split()
                self.assertEqual(len(gateways), 2)
                wait_until(lambda: all(cluster.redis("EXISTS", "xmpp:gw:" + g) == "0"
                                       for g in gateways), 30, "heartbeat keys expired")
                cluster.restart("router")
            self._with_pair(cluster, restart_router)
        finally:
            cluster.stop()

    def test_case1_a_session_swept_during_a_break_is_registered_again(self):
        proxy = CuttableProxy()
        cluster = Cluster(gateways=2, gateway_args=f"--router.addresses=127.0.0.1:{proxy.port}",
                          router_args="--router.sweep_grace_ms=0",
                          on_ports=lambda c: proxy.aim(c.port_base + 4))
        try:
            def network_break():
                proxy.cut()
                # The router finds both gateways dead and sweeps their sessions while the
                # clients stay connected to their gateways.
                wait_until(lambda: metric(cluster.ops_port("router"),
                                          "xmpp_router_dead_gateways_total") >= 2, 30,
                           "sessions swept")
                wait_until(lambda: cluster.redis("HLEN", "xmpp:sess:bob@localhost") == "0", 30,
                           "bob's session removed from the directory")
                proxy.resume()
            self._with_pair(cluster, network_break)
        finally:
            cluster.stop()
            proxy.close()

    def test_case1_sessions_stay_reachable_across_a_redis_restart(self):
        cluster = Cluster(gateways=2)
        try:
            def restart_redis():
                cluster.kill("redis")
                cluster.restart("redis")  # empty: no persistence
                wait_until(lambda: cluster.redis("HLEN", "xmpp:sess:alice@localhost") == "1" and
                           cluster.redis("HLEN", "xmpp:sess:bob@localhost") == "1", 30,
                           "sessions announced again")
            self._with_pair(cluster, restart_redis)
        finally:
            cluster.stop()


async def asyncio_to_thread(f):
    import asyncio
    await asyncio.get_running_loop().run_in_executor(None, f)


if __name__ == "__main__":
    unittest.main(verbosity=2)
