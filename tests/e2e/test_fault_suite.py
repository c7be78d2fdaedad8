"""The fault suite (issue 9): under a steady chat load between users on two gateways, with two
routers, each component is killed (SIGKILL, then SIGTERM) and restarted, in turn. For every
fault it records what the clients saw and accounts for every message:

  accepted  a message the sender had proof the server took: a ping to the server, sent after
            it, was answered (no XEP-0198 yet: the proof the product's own rules name)
  live      received by its recipient as it was sent
  offline   received later, from offline storage (it carries a XEP-0203 delay)
  bounced   answered to its sender with a message error
  lost      accepted and none of the three: the number the suite exists to drive to zero
  unproven  sent on a connection that died before a ping answer: the client cannot know, a
            XEP-0198 client would resend (issue 10); counted, never called lost

It also measures the time until chat between every pair flowed again after the kill, the
longest pause any recipient saw, whether a new login worked while the component was down and
after, and, once the component is back, whether every client is reachable exactly once (one
directory entry per user, a ping to each full JID answered).

Run by ctest (label fault, default build only). `python3 test_fault_suite.py` prints the table
too; XMPP_FAULT_TABLE=<file> writes it there (markdown, as in docs/reliability.md)."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DOMAIN, ROOT, Client, Cluster, until, wait_until  # noqa: E402

PAIRS = 3               # users s<i> on gateway 0 chat with r<i> on gateway 1, both ways
INTERVAL = 0.1          # seconds between two messages of one user
PROOF_INTERVAL = 0.3    # seconds between two pings that prove what came before
DOWN_FOR = 2.0          # seconds a component stays down before its restart
AFTER = 1.5             # seconds of load once chat flows again

COMPONENTS = ["gateway-1", "router-1", "both routers", "redis", "postgresql", "auth",
              "userdata"]


def drop(client):
    """Closes a client's connection whatever state it is in."""
    for step in (lambda: client.disconnect(wait=0), client.abort):
        try:
            step()
        except Exception:  # noqa: BLE001 - a transport already half gone
            pass


class Agent:
    """One user: a slixmpp client that sends to its peer at a steady rate, proves what the
    server accepted with pings, and logs in again (on either gateway) when its connection
    goes."""

    def __init__(self, suite, user, home, peer):
        self.suite, self.user, self.home, self.peer = suite, user, home, peer
        self.jid = f"{user}@{DOMAIN}/{user[0]}"
        self.client = None
        self.seq = 0
        self.sent = {}          # message id -> (scenario, send time, client generation)
        self.accepted = set()   # ids with a ping answered after them
        self.received = {}      # id -> (time, "live" | "offline"), first arrival
        self.duplicates = 0
        self.duplicate_log = []  # (id, first arrival's kind, this one's)
        self.bounced = set()
        self.generation = 0
        self.disconnects = 0
        self.scenario = None
        self.sending = False

    async def connect(self, deadline=30.0):
        """Logs in, trying its own gateway first, then the other one, until `deadline`."""
        end = time.monotonic() + deadline
        gateways = [self.home, 1 - self.home]
        attempt = 0
        while time.monotonic() < end:
            gw = gateways[attempt % 2]
            attempt += 1
            c = Client(self.jid, self.user + "-pw", self.suite.cluster)
            c.add_event_handler("message", self._on_message)
            c.add_event_handler("connection_failed", lambda _, c=c: setattr(c, "failed", True))
            try:
                c.connect(("127.0.0.1", self.suite.cluster.c2s_port(gw)))
                await until(lambda: c.started or c.failed or c.disconnected_, 5, "login")
            except AssertionError:
                pass
            if c.started and not c.disconnected_:
                self.generation += 1
                self.client = c
                c.send_presence()
                try:
                    await c.plugin["xep_0199"].ping(jid=DOMAIN, timeout=5)
                    return True
                except Exception:  # noqa: BLE001 - slixmpp raises IqTimeout or IqError
                    pass
            drop(c)
            await asyncio.sleep(0.2)
        return False

    def _on_message(self, m):
        body = m["body"] or ""
        if m["type"] == "error":
            if m["id"]:
                self.bounced.add(m["id"])
            return
        if not body.startswith("fs:"):
            return
        mid = body.split(" ", 1)[0]
        delayed = m.xml.find("{urn:xmpp:delay}delay") is not None
        if mid in self.received:
            self.duplicates += 1
            self.duplicate_log.append((mid, self.received[mid][1],
                                       "offline" if delayed else "live"))
            return
        self.received[mid] = (time.monotonic(), "offline" if delayed else "live")

    def connected(self):
        return self.client is not None and self.client.started and not self.client.disconnected_

    async def send_loop(self):
        while self.suite.running:
            if self.sending and self.connected():
                self.seq += 1
                mid = f"fs:{self.scenario}:{self.user}:{self.seq}"
                self.sent[mid] = (self.scenario, time.monotonic(), self.generation)
                msg = self.client.make_message(mto=self.peer, mbody=mid + " hello",
                                               mtype="chat")
                msg["id"] = mid
                msg.send()
            await asyncio.sleep(INTERVAL)

    async def proof_loop(self):
        while self.suite.running:
            if self.connected():
                client, gen = self.client, self.generation
                covered = [m for m, (_, _, g) in self.sent.items()
                           if g == gen and m not in self.accepted]
                try:
                    await client.plugin["xep_0199"].ping(jid=DOMAIN, timeout=5)
                    self.accepted.update(covered)
                except Exception:  # noqa: BLE001
                    pass
            await asyncio.sleep(PROOF_INTERVAL)

    async def watch_loop(self):
        while self.suite.running:
            if self.client is not None and self.client.disconnected_ and self.suite.running:
                self.disconnects += 1
                self.client = None
                await self.connect(deadline=60)
            await asyncio.sleep(0.05)


class FaultSuite:
    def __init__(self):
        self.cluster = Cluster(gateways=2, routers=2)
        self.running = True
        self.agents = {}
        self.rows = []

    # ---- faults ----

    def _pg_pid(self):
        with open(os.path.join(self.cluster.dir, "postgres", "postmaster.pid")) as f:
            return int(f.readline())

    def stop_component(self, name, sig):
        if name == "both routers":
            self.cluster.kill("router", sig)
            self.cluster.kill("router-1", sig)
        elif name == "postgresql":
            pid = self._pg_pid()
            if sig == signal.SIGKILL:
                # A crash: the postmaster and every backend at once.
                subprocess.run(["pkill", "-9", "-P", str(pid)], check=False)
                os.kill(pid, signal.SIGKILL)
            else:
                # SIGTERM is PostgreSQL's "smart" shutdown, which waits for pooled sessions
                # forever: the operator's graceful stop is a fast shutdown (SIGINT).
                os.kill(pid, signal.SIGINT)
            wait_until(lambda: subprocess.run(["pgrep", "-f", os.path.join(
                self.cluster.dir, "postgres")], capture_output=True).returncode != 0, 30,
                "postgresql gone")
        else:
            self.cluster.kill(name, sig)

    def start_component(self, name):
        if name == "both routers":
            self.cluster.restart("router")
            self.cluster.restart("router-1")
        elif name == "postgresql":
            subprocess.run([os.path.join(ROOT, "deploy", "local", "postgres.sh"), "start",
                            os.path.join(self.cluster.dir, "postgres"),
                            str(self.cluster.port_base)], check=True, timeout=90,
                           stdout=subprocess.DEVNULL)
        else:
            self.cluster.restart(name)

    # ---- probes ----

    async def try_login(self, timeout):
        c = Client(f"probe@{DOMAIN}/p", "probe-pw", self.cluster)
        c.connect(("127.0.0.1", self.cluster.c2s_port(0)))
        try:
            await until(lambda: c.started or c.failed or c.disconnected_, timeout, "probe")
        except AssertionError:
            pass
        ok = c.started and not c.disconnected_
        drop(c)
        return ok

    async def reachable(self):
        """Every agent connected, one directory entry per user, a ping to each full JID from
        its peer answered."""
        ok = True
        for a in self.agents.values():
            entries = self.cluster.redis("HLEN", f"xmpp:sess:{a.jid.split('/')[0]}")
            if not a.connected() or entries != "1":
                ok = False
                continue
            peer = self.agents[a.peer.split("@")[0]]
            if not peer.connected():
                ok = False
                continue
            try:
                await peer.client.plugin["xep_0199"].ping(jid=a.jid, timeout=10)
            except Exception:  # noqa: BLE001
                ok = False
        return ok

    # ---- one fault ----

    async def scenario(self, name, sig):
        tag = f"{'kill' if sig == signal.SIGKILL else 'term'}-{name.replace(' ', '_')}"
        for a in self.agents.values():
            a.scenario, a.sending = tag, True
        await asyncio.sleep(1.0)  # steady load first
        t_kill = time.monotonic()
        disconnects0 = sum(a.disconnects for a in self.agents.values())
        await asyncio.to_thread(self.stop_component, name, sig)
        login_down = await self.try_login(DOWN_FOR)
        await asyncio.sleep(max(0.0, DOWN_FOR - (time.monotonic() - t_kill)))
        await asyncio.to_thread(self.start_component, name)
        t_back = time.monotonic()

        def flowing():
            # Every user had a message sent after the restart delivered.
            for a in self.agents.values():
                peer = self.agents[a.peer.split("@")[0]]
                if not any(peer.received.get(m, (0,))[0] and s == tag and t >= t_back
                           for m, (s, t, _) in a.sent.items()):
                    return False
            return True
        try:
            await until(flowing, 60, "chat flowing again")
            returned = max(
                min(self.agents[a.peer.split("@")[0]].received[m][0]
                    for m, (s, t, _) in a.sent.items()
                    if s == tag and t >= t_kill and m in self.agents[a.peer.split("@")[0]].received)
                for a in self.agents.values()) - t_kill
        except AssertionError:
            returned = None
        login_t0 = time.monotonic()
        login_back = None
        while time.monotonic() - login_t0 < 30:
            if await self.try_login(5):
                login_back = time.monotonic() - t_kill
                break
        await asyncio.sleep(AFTER)
        for a in self.agents.values():
            a.sending = False
        dropped = sum(a.disconnects for a in self.agents.values()) - disconnects0
        await self.drain(tag)
        reachable = await self.reachable()
        self.rows.append(self.account(tag, name, sig, returned, login_down, login_back,
                                      reachable, dropped))

    def _counts(self, tag):
        accepted = lost = live = offline = bounced = unproven = sent = 0
        for a in self.agents.values():
            peer = self.agents[a.peer.split("@")[0]]
            for m, (s, _, _) in a.sent.items():
                if s != tag:
                    continue
                sent += 1
                got = peer.received.get(m)
                if got:
                    live += got[1] == "live"
                    offline += got[1] == "offline"
                elif m in a.bounced:
                    bounced += 1
                elif m in a.accepted:
                    lost += 1
                else:
                    unproven += 1
                accepted += m in a.accepted
        return dict(sent=sent, accepted=accepted, live=live, offline=offline, bounced=bounced,
                    lost=lost, unproven=unproven)

    async def drain(self, tag):
        """Until nothing accepted is outstanding, or nothing changed for 20 s (then the rest
        is lost: stored-offline messages for connected users arrive only at their next
        login, so every agent logs in again once before the verdict)."""
        async def settle(limit):
            last, since = None, time.monotonic()
            while time.monotonic() - since < limit:
                c = self._counts(tag)
                if c["lost"] == 0:
                    return
                if c != last:
                    last, since = c, time.monotonic()
                await asyncio.sleep(0.2)
        await settle(20)
        if self._counts(tag)["lost"]:
            for a in self.agents.values():
                if a.connected():
                    a.client.disconnect()
            await settle(20)

    def account(self, tag, name, sig, returned, login_down, login_back, reachable, dropped):
        c = self._counts(tag)
        pause = 0.0
        for a in self.agents.values():
            times = sorted(t for m, (t, _) in a.received.items()
                           if m.startswith(f"fs:{tag}:"))
            pause = max([pause] + [b - x for x, b in zip(times, times[1:])])
        dups = sum(a.duplicates for a in self.agents.values())
        row = dict(fault=f"{'kill -9' if sig == signal.SIGKILL else 'SIGTERM'} {name}",
                   returned=returned, pause=pause, login_down=login_down,
                   login_back=login_back, reachable=reachable, duplicates=dups,
                   disconnects=dropped,
                   **c)
        for a in self.agents.values():
            a.duplicates = 0
        return row

    # ---- the run ----

    async def run(self, faults):
        users = [f"s{i}" for i in range(PAIRS)] + [f"r{i}" for i in range(PAIRS)]
        for u in users + ["probe"]:
            self.cluster.adduser(u, u + "-pw")
        for i in range(PAIRS):
            s = Agent(self, f"s{i}", 0, f"r{i}@{DOMAIN}/r")
            r = Agent(self, f"r{i}", 1, f"s{i}@{DOMAIN}/s")
            self.agents[s.user], self.agents[r.user] = s, r
        for a in self.agents.values():
            if not await a.connect():
                raise AssertionError("initial login of " + a.user)
        tasks = [asyncio.ensure_future(f()) for a in self.agents.values()
                 for f in (a.send_loop, a.proof_loop, a.watch_loop)]
        try:
            for name, sig in faults:
                await self.scenario(name, sig)
        finally:
            self.running = False
            await asyncio.gather(*tasks, return_exceptions=True)
            for a in self.agents.values():
                if a.connected():
                    a.client.disconnect()

    def table(self):
        def fmt(v):
            if v is None:
                return "never"
            if isinstance(v, bool):
                return "yes" if v else "no"
            if isinstance(v, float):
                return f"{v:.1f} s"
            return str(v)
        head = ["fault", "chat back after", "longest pause", "login while down",
                "login back after", "clients dropped", "accepted", "live", "offline",
                "bounced", "lost", "unproven", "duplicates", "all reachable once"]
        keys = ["fault", "returned", "pause", "login_down", "login_back", "disconnects",
                "accepted", "live", "offline", "bounced", "lost", "unproven", "duplicates",
                "reachable"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows:
            lines.append("| " + " | ".join(fmt(r[k]) for k in keys) + " |")
        return "\n".join(lines)


def all_faults():
    return [(n, s) for s in (signal.SIGKILL, signal.SIGTERM) for n in COMPONENTS]


def run_suite(faults):
    suite = FaultSuite()
    try:
        asyncio.run(suite.run(faults))
    finally:
        suite.cluster.stop()
    table = suite.table()
    print(table)
    out = os.environ.get("XMPP_FAULT_TABLE")
    if out:
        with open(out, "w") as f:
            f.write(table + "\n")
    return suite


class FaultSuiteTest(unittest.TestCase):
    def test_every_component_killed_and_restarted_under_chat_load(self):
        suite = run_suite(all_faults())
        for r in suite.rows:
            with self.subTest(fault=r["fault"]):
                self.assertIsNotNone(r["returned"], "chat never came back")
                self.assertIsNotNone(r["login_back"], "logins never came back")
                self.assertTrue(r["reachable"], "a client unreachable or listed twice")
                self.assertEqual(r["duplicates"], 0, "messages delivered twice")
                if r["fault"].startswith("kill -9") and "router" in r["fault"]:
                    # The window docs/reliability.md names: what a killed router held in
                    # memory, or a batch written to its stream as it died, is gone (the
                    # gateways keep nothing a router has not confirmed yet). Bounded by the
                    # messages in flight in that moment: a few at this load.
                    self.assertLessEqual(r["lost"], 10, "more lost than were in flight")
                else:
                    self.assertEqual(r["lost"], 0, "accepted messages lost")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        pick = [(n, signal.SIGKILL if s == "kill" else signal.SIGTERM)
                for arg in sys.argv[1:] for s, n in [arg.split(":", 1)]]
        run_suite(pick)
    else:
        run_suite(all_faults())
