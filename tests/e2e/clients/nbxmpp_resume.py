"""An nbxmpp (Gajim's library) client for the XEP-0198 interop test (test_resumption.py):
logs in (STARTTLS) to 127.0.0.1:PORT, prints "connected", "body <text>" per message, and
"resumed" once nbxmpp resumed its session after a drop. A message "drop" makes it close its
socket without a word (no stream footer) and connect again; "quit" ends it.

  /usr/bin/python3 nbxmpp_resume.py USER PASSWORD RESOURCE PORT
"""

import sys

from gi.repository import GLib
from nbxmpp.client import Client
from nbxmpp.const import ConnectionProtocol, ConnectionType
from nbxmpp.structs import StanzaHandler


def out(line):
    print(line, flush=True)


def main():
    user, password, resource, port = sys.argv[1:5]
    loop = GLib.MainLoop()
    client = Client()
    client.set_domain("localhost")
    client.set_username(user)
    client.set_resource(resource)
    client.set_password(password)
    client.set_custom_host(f"127.0.0.1:{port}", ConnectionProtocol.TCP, ConnectionType.START_TLS)
    client.set_ignore_tls_errors(True)  # the cluster's self-signed certificate
    state = {"quit": False}

    def on_message(_client, stanza, _properties):
        body = stanza.getBody()
        if not body:
            return
        out("body " + body)
        if body == "drop":
            GLib.idle_add(lambda: client.disconnect(immediate=True) and False)
        elif body == "quit":
            state["quit"] = True
            GLib.idle_add(lambda: client.disconnect() and False)

    def on_connected(_client, _signal):
        out("connected")  # messages to its full JID reach it without a presence

    def on_disconnected(_client, _signal):
        if state["quit"]:
            loop.quit()
            return
        out("dropped resumable=%d" % client.resumeable)
        # A moment before it connects again: what is sent meanwhile waits for its resume.
        GLib.timeout_add(1500, lambda: client.connect() and False)

    client.register_handler(StanzaHandler(name="message", callback=on_message))
    client.subscribe("connected", on_connected)
    client.subscribe("resume-successful", lambda *_: out("resumed"))
    client.subscribe("resume-failed", lambda *_: out("resume-failed"))
    client.subscribe("disconnected", on_disconnected)
    client.subscribe("connection-failed", lambda *_: (out("connection-failed"), loop.quit()))
    client.connect()
    loop.run()


if __name__ == "__main__":
    main()
