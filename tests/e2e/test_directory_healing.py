"""End to end: the session directory heals itself (issue 9, case 1). Clients stay connected
through a router restart, a network break between the gateways and the router long enough
for their sessions to be swept, and a Redis restart that empties the directory; afterwards
each is still reachable: a chat message to its full JID arrives live and an iq to it is
answered (before, the message went to offline storage and the iq got an error)."""

import asyncio
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


def router_of(bare_jid, routers):
    """The router a gateway sends a bare JID's events to while all serve (rendezvous over
    FNV-1a, as RouterLinks::indexFor)."""
    m = 1 << 64
    h0 = 1469598103934665603
    for b in bare_jid.encode():
        h0 = ((h0 ^ b) * 1099511628211) % m
    best, best_score = 0, -1
    for i in range(routers):
        h = ((h0 ^ i) * 1099511628211) % m
        h ^= h >> 29
        score = (h * 0xbf58476d1ce4e5b9) % m
        if score >= best_score:
            best, best_score = i, score
    return best


class TwoRoutersTest(unittest.TestCase):
    """Case 9: two routers share the directory; users served by different routers chat. With
    one router killed and not restarted, its users move to the other within
    router.failover_after_ms: what they send arrives, in order, an iq to them is answered and
    their presence changes reach their contacts. Once the router is back they move back, and
    chat goes on. (Before: what they sent waited in their gateway until the router returned.)"""

    def test_case9_users_of_a_dead_router_move_to_the_other_and_back(self):
        users = [f"u{i}" for i in range(20)]
        a = next(u for u in users if router_of(f"{u}@localhost", 2) == 0)
        b = next(u for u in users if router_of(f"{u}@localhost", 2) == 1)
        cluster = Cluster(gateways=2, routers=2)
        try:
            cluster.adduser(a, "pw")
            cluster.adduser(b, "pw")

            async def chat(ca, cb, tag):
                for i in range(5):
                    ca.send_message(mto=f"{b}@localhost/y", mbody=f"{tag}a{i}", mtype="chat")
                    cb.send_message(mto=f"{a}@localhost/x", mbody=f"{tag}b{i}", mtype="chat")

                def got(c, who):
                    return [m["body"] for m in c.messages if m["body"].startswith(tag + who)]
                try:
                    await until(lambda: got(cb, "a") == [f"{tag}a{i}" for i in range(5)], 20,
                                f"a's messages ({tag})")
                    await until(lambda: got(ca, "b") == [f"{tag}b{i}" for i in range(5)], 20,
                                f"b's messages ({tag})")
                except AssertionError:
                    print("a got:", got(ca, "b"), "b got:", got(cb, "a"), file=sys.stderr)
                    raise
                await ca.plugin["xep_0199"].ping(jid=f"{b}@localhost/y", timeout=20)
                await cb.plugin["xep_0199"].ping(jid=f"{a}@localhost/x", timeout=20)

            async def go():
                ca = await login(cluster, f"{a}@localhost/x", "pw", gateway=0)
                cb = await login(cluster, f"{b}@localhost/y", "pw", gateway=1)
                await ca.get_roster()
                await cb.get_roster()
                ca.send_presence_subscription(pto=f"{b}@localhost")
                await until(lambda: ca.client_roster[f"{b}@localhost"]["subscription"] ==
                            "both", 20, "subscribed")
                await chat(ca, cb, "before")

                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, cluster.kill, "router-1")  # b's router
                # Once b's gateway knows its stream is gone (writes to a stream whose peer just
                # died may complete into its socket and be lost: reliability.md, case 9).
                await until(lambda: metric(cluster.ops_port(1),
                                           "xmpp_gateway_router_streams") == 1, 20,
                            "b's gateway saw its router go")
                await chat(ca, cb, "during")
                await until(lambda: metric(cluster.ops_port(1),
                                           "xmpp_gateway_router_failovers_total") >= 1, 5,
                            "b's gateway moved b")
                cb.send_presence(pstatus="away for a bit", pshow="away")
                await until(lambda: any(p["status"] == "away for a bit" for p in
                                        ca.presence_from(f"{b}@localhost/y")), 20,
                            "b's presence through the other router")

                await loop.run_in_executor(None, cluster.restart, "router-1")
                await until(lambda: metric(cluster.ops_port(1),
                                           "xmpp_gateway_router_failovers_total") >= 2, 20,
                            "b moved back")
                await chat(ca, cb, "after")
                self.assertFalse(ca.disconnected_ or cb.disconnected_)
                await logout(ca, cb)
            run(go())
        finally:
            cluster.stop()


async def asyncio_to_thread(f):
    import asyncio
    await asyncio.get_running_loop().run_in_executor(None, f)


if __name__ == "__main__":
    unittest.main(verbosity=2)
