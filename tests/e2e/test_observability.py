"""Observability against the real cluster: a real Prometheus (Debian's package) scrapes every
service; its query API must show every target up and the message counters rising when two
clients chat. Every metric the Grafana dashboard queries must exist in some service's
/metrics output."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, Cluster, _free_range, login, logout, run, until  # noqa: E402

DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "dashboards", "xmppd.json")


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def poll(predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=2)
        for n in ("obs1", "obs2"):
            cls.cluster.adduser(n, n + "-pw")
        cls.targets = {
            "auth": [cls.cluster.ops_port("auth")],
            "userdata": [cls.cluster.ops_port("userdata")],
            "router": [cls.cluster.ops_port("router")],
            "gateway": [cls.cluster.ops_port(0), cls.cluster.ops_port(1)],
        }
        cls.prom_dir = tempfile.mkdtemp(prefix="xmpp-prom-")
        cls.prom_port = _free_range(1)
        config = {"global": {"scrape_interval": "1s"}, "scrape_configs": [
            {"job_name": job, "static_configs": [
                {"targets": [f"127.0.0.1:{p}" for p in ports]}]}
            for job, ports in cls.targets.items()]}
        cfg = os.path.join(cls.prom_dir, "prometheus.yml")
        with open(cfg, "w") as f:
            json.dump(config, f)  # JSON is YAML
        cls.prom_log = open(os.path.join(cls.prom_dir, "log"), "w")
        cls.prom = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}",
             f"--storage.tsdb.path={os.path.join(cls.prom_dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{cls.prom_port}"],
            stdout=subprocess.DEVNULL, stderr=cls.prom_log)

    @classmethod
    def tearDownClass(cls):
        cls.prom.terminate()
        cls.prom.wait(timeout=30)
        cls.prom_log.close()
        shutil.rmtree(cls.prom_dir, ignore_errors=True)
        cls.cluster.stop()

    def query(self, expr):
        url = (f"http://127.0.0.1:{self.prom_port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expr}))
        body = json.loads(http_get(url))
        self.assertEqual(body["status"], "success")
        return body["data"]["result"]

    def scalar(self, expr):
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else 0.0

    def test_every_target_up_and_message_counters_rise(self):
        expected = sum(len(p) for p in self.targets.values())
        poll(lambda: len([r for r in self.query("up") if r["value"][1] == "1"]) == expected,
             60, f"{expected} targets up")
        jobs = {r["metric"]["job"] for r in self.query("up == 1")}
        self.assertEqual(jobs, set(self.targets))

        before_in = self.scalar('sum(xmpp_stanzas_in_total{kind="message"})')
        before_routed = self.scalar('sum(xmpp_router_stanzas_total{kind="message"})')
        before_out = self.scalar('sum(xmpp_stanzas_out_total{kind="message"})')

        async def chat():
            a = await login(self.cluster, "obs1@localhost/a", "obs1-pw", gateway=0)
            b = await login(self.cluster, "obs2@localhost/b", "obs2-pw", gateway=1)
            for i in range(25):
                a.send_message(mto="obs2@localhost/b", mbody=f"m{i}", mtype="chat")
            await until(lambda: len(b.messages) >= 25, 15, "25 messages")
            await logout(a, b)
        run(chat())

        poll(lambda: self.scalar('sum(xmpp_stanzas_in_total{kind="message"})') >= before_in + 25,
             30, "gateway message counter")
        poll(lambda: self.scalar('sum(xmpp_router_stanzas_total{kind="message"})')
             >= before_routed + 25, 30, "router message counter")
        poll(lambda: self.scalar('sum(xmpp_stanzas_out_total{kind="message"})')
             >= before_out + 25, 30, "delivered message counter")
        logins = self.query('sum by (result) (xmpp_logins_total)')
        self.assertTrue(any(r["metric"].get("result") == "success" for r in logins))

    def test_every_dashboard_metric_exists(self):
        # Traffic first, so that series created on first use exist: logins, stanzas, an
        # offline message stored and delivered.
        async def traffic():
            a = await login(self.cluster, "obs1@localhost/t", "obs1-pw")
            a.send_message(mto="obs2@localhost", mbody="offline", mtype="chat")
            await a.plugin["xep_0199"].ping(jid="localhost", timeout=10)
            b = await login(self.cluster, "obs2@localhost/t", "obs2-pw", gateway=1)
            await until(lambda: b.messages, 15, "offline delivery")
            await logout(a, b)
        run(traffic())

        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
        wanted = set()
        for e in exprs:
            wanted.update(re.findall(r"\b(xmpp_[a-z0-9_]+)", e))
        self.assertGreaterEqual(len(wanted), 15)

        def exposed():
            names = set()
            for ports in self.targets.values():
                for p in ports:
                    text = http_get(f"http://127.0.0.1:{p}/metrics")
                    names.update(re.findall(r"^(xmpp_[a-z0-9_]+)", text, re.M))
            return names
        deadline = time.monotonic() + 20
        missing = wanted - exposed()
        while missing and time.monotonic() < deadline:
            time.sleep(0.2)
            missing = wanted - exposed()
        self.assertEqual(missing, set(), "dashboard queries metrics no service exports")
        # Every panel's PromQL also parses in Prometheus.
        for e in exprs:
            self.query(e)


if __name__ == "__main__":
    unittest.main(verbosity=2)
