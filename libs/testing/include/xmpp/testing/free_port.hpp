#pragma once
// Test support: loopback ports for test servers that cannot bind port 0 and report it
// (PostgreSQL, Redis). A port bound to 0 and released comes from the kernel's ephemeral range,
// where any outgoing connection can take it before the server binds: these ports come from
// below /proc/sys/net/ipv4/ip_local_port_range instead, and each is reserved with an flock on
// /tmp/xmpp-test-ports/<port>.lock (shared with tests/e2e/harness.py) so that concurrent test
// processes never pick the same one. The reservation lasts until the process exits.

namespace xmpp::testing {

/// A free TCP port on 127.0.0.1 outside the ephemeral range, reserved for this process.
int freePort();

}  // namespace xmpp::testing
