"""The test harness itself: a cluster start that fails midway leaves no process, a test process
that dies (even by SIGKILL) takes its cluster with it, and a start that fails once is retried
with fresh ports."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import shutil
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD, ROOT, Cluster, PortBlock, cluster_processes, wait_until  # noqa: E402


def occupy(port):
    """A listening socket on 127.0.0.1:port, as another program would hold it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen()
    return s


class HarnessTest(unittest.TestCase):

    def test_failed_start_stops_what_it_started(self):
        ports, c2s = PortBlock(20), PortBlock(4)
        data = tempfile.mkdtemp(prefix="xmpp-e2e-fail-")
        blocker = occupy(ports.base + 4)  # the router's port: it fails after PostgreSQL, Redis,
        try:                              # auth and roster are up
            env = dict(os.environ, XMPP_DATA_DIR=data, XMPP_GATEWAYS="1",
                       XMPP_C2S_PORT=str(c2s.base), XMPP_PORT_BASE=str(ports.base),
                       XMPP_BUILD_DIR=BUILD, XMPP_NO_BUILD="1")
            r = subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), "start"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=240)
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn("router exited before 'listening'", r.stderr)
            self.assertIn("start failed, stopping what was started", r.stderr)
            all_ports = list(range(ports.base, ports.base + 20)) + list(range(c2s.base, c2s.base + 4))
            # The router's port is ours (the blocker) and names no process.
            wait_until(lambda: cluster_processes(data, all_ports) == [], 30,
                       "no process of the failed cluster")
            self.assertFalse(os.path.exists(os.path.join(data, "postgres", "postmaster.pid")))
        finally:
            blocker.close()
            ports.release()
            c2s.release()
            shutil.rmtree(data, ignore_errors=True)

    def test_killed_test_process_takes_its_cluster_along(self):
        child = subprocess.Popen(
            ["/usr/bin/python3", "-c",
             "import sys; sys.path.insert(0, %r)\n"
             "from harness import Cluster\n"
             "c = Cluster(gateways=1)\n"
             "print(c.dir, ' '.join(map(str, c.ports())), flush=True)\n"
             "sys.stdin.read()\n" % os.path.dirname(os.path.abspath(__file__))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
        try:
            line = child.stdout.readline().split()
            self.assertTrue(line, "the child's cluster did not start")
            data, ports = line[0], [int(p) for p in line[1:]]
            procs = cluster_processes(data, ports)
            # PostgreSQL, Redis, auth, roster, router, a gateway and the watchdog at least.
            self.assertGreaterEqual(len(procs), 7, procs)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
            wait_until(lambda: cluster_processes(data, ports) == [], 60,
                       "the killed test's cluster to stop")
            self.assertFalse(os.path.exists(data))
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()

    def test_start_retried_with_fresh_ports(self):
        blockers = []

        class FirstAttemptBlocked(Cluster):
            def _reserve(self):
                super()._reserve()
                if not blockers:  # the first attempt finds its router port taken
                    blockers.append((self.port_base, occupy(self.port_base + 4)))

        c = FirstAttemptBlocked(gateways=1)
        try:
            first_base = blockers[0][0]
            self.assertNotEqual(c.port_base, first_base)
            self.assertIn("listening", c.log("router"))
            # The first attempt left nothing behind.
            self.assertEqual(cluster_processes("/nonexistent", list(range(first_base, first_base + 20))),
                             [])
        finally:
            c.stop()
            blockers[0][1].close()
        wait_until(lambda: c.processes() == [], 30, "no process after stop")


if __name__ == "__main__":
    unittest.main()
