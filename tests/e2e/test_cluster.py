"""End to end: real XMPP clients (slixmpp, and a raw socket client for what slixmpp would not
send) against the real cluster: PostgreSQL, Redis, auth, roster, router, two gateways."""

import hashlib
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, RawClient, login, logout, run, until  # noqa: E402

TRANSCRIPTS = os.environ.get("XMPP_TRANSCRIPTS_DIR", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data", "transcripts"))


class ClusterTest(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=2,
                              auth_args="--auth.store_plaintext=true --auth.registration=true")
        for name in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
                     "ivan", "judy"):
            cls.cluster.adduser(name, name + "-pw")
        cls.cluster.adduser("test", "test")
        cls.cluster.adduser("hxw", "1")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    # --- logins ---

    def test_scram_sha256_and_plain_logins(self):
        async def go():
            a = await login(self.cluster, "alice@localhost/scram", "alice-pw", mech="SCRAM-SHA-256")
            b = await login(self.cluster, "alice@localhost/plain", "alice-pw", gateway=1,
                            mech="PLAIN")
            self.assertTrue(a.started and b.started)
            await logout(a, b)
        run(go())

    def test_wrong_password_refused(self):
        async def go():
            with self.assertRaises(AssertionError):
                await login(self.cluster, "alice@localhost/bad", "not-her-password")
        run(go())

    # --- roster and presence ---

    def test_roster_set_and_push(self):
        async def go():
            a1 = await login(self.cluster, "erin@localhost/one", "erin-pw")
            a2 = await login(self.cluster, "erin@localhost/two", "erin-pw", gateway=1)
            await a1.get_roster()
            await a2.get_roster()
            a1.update_roster("frank@localhost", name="Frank", groups=["work"])
            await until(lambda: "frank@localhost" in a2.client_roster, 15, "roster push")
            item = a2.client_roster["frank@localhost"]
            self.assertEqual(item["name"], "Frank")
            self.assertEqual(item["groups"], ["work"])
            await logout(a1, a2)
        run(go())

    def test_subscription_handshake_presence_broadcast_and_probe(self):
        async def go():
            g = await login(self.cluster, "grace@localhost/pc", "grace-pw", gateway=0)
            h = await login(self.cluster, "heidi@localhost/pc", "heidi-pw", gateway=1)
            await g.get_roster()
            await h.get_roster()
            # slixmpp answers subscription requests and subscribes back (auto_authorize,
            # auto_subscribe): the handshake ends in 'both' on both sides.
            g.send_presence_subscription(pto="heidi@localhost")
            await until(lambda: g.client_roster["heidi@localhost"]["subscription"] == "both"
                        and h.client_roster["grace@localhost"]["subscription"] == "both",
                        20, "subscription both")
            # Presence broadcast: heidi's presence reaches grace, addressed to her (the
            # gateway stamps each copy of a broadcast with its recipient's bare JID).
            await until(lambda: g.presence_from("heidi@localhost/pc"), 10, "broadcast")
            self.assertEqual({str(p["to"]) for p in g.presence_from("heidi@localhost/pc")},
                             {"grace@localhost"})
            # Probe: heidi leaves and comes back; at her login she learns grace's presence
            # (probe), and grace sees her unavailable, then available again.
            await logout(h)
            await until(lambda: g.presence_from("heidi@localhost/pc", "unavailable"), 10,
                        "unavailable")
            h2 = await login(self.cluster, "heidi@localhost/phone", "heidi-pw", gateway=0)
            await until(lambda: h2.presence_from("grace@localhost/pc"), 10, "probe answer")
            await until(lambda: g.presence_from("heidi@localhost/phone"), 10, "available")
            # Her own resources got her broadcasts too, addressed to her account.
            self.assertEqual({str(p["to"]) for p in h2.presence_from("heidi@localhost/phone")},
                             {"heidi@localhost"})
            await logout(g, h2)
        run(go())

    # --- messages ---

    def test_chat_between_users_on_different_gateways(self):
        async def go():
            a = await login(self.cluster, "ivan@localhost/a", "ivan-pw", gateway=0)
            b = await login(self.cluster, "judy@localhost/b", "judy-pw", gateway=1)
            for i in range(20):
                a.send_message(mto="judy@localhost/b", mbody=f"hello {i}", mtype="chat")
            await until(lambda: len(b.messages) >= 20, 15, "20 messages")
            self.assertEqual([m["body"] for m in b.messages], [f"hello {i}" for i in range(20)])
            self.assertEqual(str(b.messages[0]["from"]), "ivan@localhost/a")
            b.send_message(mto="ivan@localhost", mbody="back", mtype="chat")
            await until(lambda: any(m["body"] == "back" for m in a.messages), 10, "reply")
            await logout(a, b)
        run(go())

    def test_bare_jid_delivery_by_priority(self):
        async def go():
            hi = await login(self.cluster, "dave@localhost/high", "dave-pw", priority=5)
            lo = await login(self.cluster, "dave@localhost/low", "dave-pw", gateway=1,
                             priority=1)
            # A ping answered by the router comes after the presence it followed on the same
            # ordered path: both priorities are in the directory now.
            await hi.plugin["xep_0199"].ping(jid="localhost", timeout=10)
            await lo.plugin["xep_0199"].ping(jid="localhost", timeout=10)
            s = await login(self.cluster, "carol@localhost/s", "carol-pw")
            s.send_message(mto="dave@localhost", mbody="for the highest", mtype="chat")
            s.send_message(mto="dave@localhost/low", mbody="marker", mtype="chat")
            await until(lambda: hi.messages and lo.messages, 10, "deliveries")
            self.assertEqual([m["body"] for m in hi.messages], ["for the highest"])
            # The marker went the same path after the bare-JID message: had the low-priority
            # resource received that one, it would be here first.
            self.assertEqual([m["body"] for m in lo.messages], ["marker"])
            await logout(hi, lo, s)
        run(go())

    def test_offline_message_delivered_with_delay_after_login(self):
        async def go():
            s = await login(self.cluster, "frank@localhost/s", "frank-pw")
            s.send_message(mto="carol@localhost", mbody="while you were away", mtype="chat")
            # Ordering on one stream: the iq answer comes after the message was routed.
            await s.plugin["xep_0199"].ping(jid="localhost", timeout=10)
            r = await login(self.cluster, "carol@localhost/back", "carol-pw", gateway=1)
            await until(lambda: any(m["body"] == "while you were away" for m in r.messages),
                        15, "offline message")
            m = [m for m in r.messages if m["body"] == "while you were away"][0]
            self.assertIsNotNone(m["delay"]["stamp"])
            self.assertEqual(str(m["from"]), "frank@localhost/s")
            await logout(s, r)
        run(go())

    def test_message_to_unknown_account_is_service_unavailable(self):
        async def go():
            s = await login(self.cluster, "alice@localhost/x", "alice-pw")
            s.send_message(mto="nobody-here@localhost", mbody="hi", mtype="chat")
            await until(lambda: any(m["type"] == "error" for m in s.messages), 10, "bounce")
            err = [m for m in s.messages if m["type"] == "error"][0]
            self.assertEqual(err["error"]["condition"], "service-unavailable")
            await logout(s)
        run(go())

    # --- raw protocol ---

    def _raw(self, user, resource, gateway=0):
        c = RawClient(self.cluster, gateway)
        c.login(user, user + "-pw" if user not in ("test", "hxw") else
                {"test": "test", "hxw": "1"}[user], resource)
        c.send("<presence/>")
        c.sync()
        return c

    def test_si_file_transfer_iq_round_trip_between_full_jids(self):
        with open(os.path.join(TRANSCRIPTS, "si-file-transfer.xml"), encoding="utf-8") as f:
            offer = re.search(r"<iq[^>]*id=\"agsXMPP_6\".*?</iq>", f.read(), re.S).group(0)
        sender = self._raw("alice", "MiniClient", 0)
        receiver = self._raw("bob", "MiniClient", 1)
        receiver.clear()
        offer = offer.replace("receive@localhost/MiniClient", "bob@localhost/MiniClient")
        sender.send(offer)
        got = receiver.read_until(r"<iq[^>]*agsXMPP_6.*?</iq>")
        iq = re.search(r"<iq[^>]*agsXMPP_6.*?</iq>", got, re.S).group(0)
        self.assertIn('from="alice@localhost/MiniClient"', iq)
        for piece in ('profile="http://jabber.org/protocol/si/profile/file-transfer"',
                      'name="MiniClient.exe.config"', 'size="382"', "<range/>",
                      "<value>http://jabber.org/protocol/bytestreams</value>"):
            self.assertIn(piece, iq)
        sender.clear()
        receiver.send("<iq to='alice@localhost/MiniClient' type='result' id='agsXMPP_6'>"
                      "<si xmlns='http://jabber.org/protocol/si' id='b3b5f49c'/></iq>")
        back = sender.read_until(r"<iq[^>]*agsXMPP_6.*?(/>|</iq>)")
        self.assertIn('from="bob@localhost/MiniClient"', back)
        self.assertIn('type="result"', back)
        sender.close()
        receiver.close()

    def test_iq_to_unavailable_full_jid_gets_an_error(self):
        c = self._raw("carol", "iq")
        c.clear()
        c.send("<iq to='bob@localhost/nowhere' type='get' id='q1'><query "
               "xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        text = c.read_until(r"<iq[^>]*q1.*?</iq>")
        self.assertIn('type="error"', text)
        self.assertIn("service-unavailable", text)
        c.close()

    def test_forged_from_is_overwritten(self):
        sender = self._raw("erin", "real")
        receiver = self._raw("frank", "r", 1)
        receiver.clear()
        sender.send("<message to='frank@localhost/r' from='bob@localhost/forged' type='chat'>"
                    "<body>who am I</body></message>")
        text = receiver.read_until(r"who am I.*?</message>")
        self.assertIn('from="erin@localhost/real"', text)
        self.assertNotIn("forged", text)
        sender.close()
        receiver.close()

    def test_broken_xml_gets_not_well_formed(self):
        c = self._raw("grace", "broken")
        c.clear()
        c.send("<message><body>unclosed</message>")
        text = c.read_to_close()
        self.assertIn("<not-well-formed", text)
        self.assertIn("</stream:stream>", text)
        c.close()

    def test_billion_laughs_refused_while_others_keep_chatting(self):
        async def go():
            a = await login(self.cluster, "heidi@localhost/chat", "heidi-pw")
            b = await login(self.cluster, "ivan@localhost/chat", "ivan-pw", gateway=1)
            bomb = RawClient(self.cluster)
            bomb.starttls()
            laughs = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>" + "".join(
                f"<!ENTITY lol{i} '{('&lol' + (str(i - 1) if i > 1 else '') + ';') * 10}'>"
                for i in range(1, 10)) + "]>"
            bomb.send(laughs + "<stream:stream to='localhost' xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
                      "<message><body>&lol9;</body></message>")
            text = bomb.read_to_close()
            self.assertIn("<restricted-xml", text)
            bomb.close()
            a.send_message(mto="ivan@localhost/chat", mbody="still here", mtype="chat")
            await until(lambda: any(m["body"] == "still here" for m in b.messages), 10, "chat")
            await logout(a, b)
        run(go())

    def test_stanza_before_bind_is_not_authorized(self):
        c = RawClient(self.cluster)
        c.starttls()
        c.open_stream()
        c.read_until(r"</stream:features>")
        c.send("<message to='alice@localhost'><body>sneaky</body></message>")
        text = c.read_to_close()
        self.assertIn("<not-authorized", text)
        c.close()

    def test_resource_conflict_ends_the_older_session(self):
        old = self._raw("judy", "same", 0)
        old.clear()
        new = self._raw("judy", "same", 1)
        text = old.read_to_close()
        old.close()
        self.assertIn("<conflict", text)
        new.send("<iq type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>")
        self.assertIn('type="result"', new.read_until(r"ping1.*?(/>|</iq>)"))
        new.close()

    # --- transcript replays ---

    def test_replay_spark_login(self):
        """spark-login.xml with the server's answers of the recorded shape."""
        c = RawClient(self.cluster)
        c.open_stream()
        features = c.read_until(r"</stream:features>")
        self.assertIn("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"", features)
        c.send("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>")
        c.read_until(r"<proceed xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>")
        import ssl
        c.sock = ssl.create_default_context(cafile=self.cluster.cert).wrap_socket(
            c.sock, server_hostname="localhost")
        c.clear()
        c.open_stream()
        features = c.read_until(r"</stream:features>")
        self.assertIn("<mechanism>PLAIN</mechanism>", features)
        c.clear()
        c.send("<auth mechanism=\"PLAIN\" xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">AGh4dwAx</auth>")
        c.read_until(r"<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"")
        c.clear()
        c.open_stream()
        features = c.read_until(r"</stream:features>")
        self.assertIn("<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"", features)
        c.clear()
        c.send("<iq id=\"O193v-0\" type=\"set\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\">"
               "<resource>spark</resource></bind></iq>")
        text = c.read_until(r"O193v-0.*?</iq>")
        self.assertIn("<jid>hxw@localhost/spark</jid>", text)
        c.clear()
        c.send("<iq id=\"O193v-1\" type=\"set\"><session "
               "xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"/></iq>")
        text = c.read_until(r"O193v-1.*?(/>|</iq>)")
        self.assertIn('type="result"', text)
        c.close()

    def test_replay_agsxmpp_legacy_digest_login(self):
        """agsxmpp-legacy-auth.xml: iq-auth get/set with a digest, roster, presence."""
        c = RawClient(self.cluster)
        c.starttls()  # TLS is required by default; the rest is the recorded exchange
        c.send("<stream:stream to='localhost' xmlns='jabber:client' "
               "xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'>")
        header = c.read_until(r"<stream:stream[^>]*>")
        stream_id = re.search(r"id=['\"]([^'\"]+)['\"]", header).group(1)
        c.clear()
        c.send("<iq xmlns=\"jabber:client\" id=\"agsXMPP_1\" type=\"get\" to=\"localhost\">"
               "<query xmlns=\"jabber:iq:auth\"><username>test</username></query></iq>")
        fields = c.read_until(r"agsXMPP_1.*?</iq>")
        self.assertIn('type="result"', fields)
        self.assertIn("<digest/>", fields)
        self.assertIn("<password/>", fields)
        digest = hashlib.sha1((stream_id + "test").encode()).hexdigest()
        c.clear()
        c.send(f"<iq xmlns=\"jabber:client\" id=\"agsXMPP_2\" to=\"localhost\" type=\"set\">"
               f"<query xmlns=\"jabber:iq:auth\"><username>test</username><digest>{digest}"
               f"</digest><resource>MiniClient</resource></query></iq>")
        self.assertIn('type="result"', c.read_until(r"agsXMPP_2.*?(/>|</iq>)"))
        c.clear()
        c.send("<iq xmlns=\"jabber:client\" id=\"agsXMPP_3\" type=\"get\">"
               "<query xmlns=\"jabber:iq:roster\"/></iq>")
        roster = c.read_until(r"agsXMPP_3.*?(/>|</iq>)")
        self.assertIn('type="result"', roster)
        self.assertIn("jabber:iq:roster", roster)
        c.send("<presence xmlns=\"jabber:client\"/></stream:stream>")
        self.assertIn("</stream:stream>", c.read_to_close())
        c.close()

    def test_replay_android_client_session(self):
        """android-client-session.xml: legacy auth by a non-ASCII user, roster, presence,
        a chat with a subject, a message with a custom extension delivered unchanged."""
        self.cluster.adduser("用户1", "pw1")
        self.cluster.adduser("用户2", "pw2")
        async def go():
            peer = await login(self.cluster, "用户2@localhost/AndroidPushClient", "pw2",
                               gateway=1)
            c = RawClient(self.cluster)
            c.starttls()
            c.send("<stream:stream to=\"localhost\" xmlns=\"jabber:client\" "
                   "xmlns:stream=\"http://etherx.jabber.org/streams\">")
            header = c.read_until(r"<stream:stream[^>]*>")
            sid = re.search(r"id=['\"]([^'\"]+)['\"]", header).group(1)
            digest = hashlib.sha1((sid + "pw1").encode()).hexdigest()
            c.send("<iq id=\"o7X2U-0\" type=\"get\"><query xmlns=\"jabber:iq:auth\">"
                   "<username>用户1</username></query></iq>")
            c.read_until(r"o7X2U-0.*?</iq>")
            c.send(f"<iq id=\"o7X2U-1\" type=\"set\"><query xmlns=\"jabber:iq:auth\">"
                   f"<username>用户1</username><digest>{digest}</digest>"
                   f"<resource>AndroidPushClient</resource></query></iq>")
            self.assertIn('type="result"', c.read_until(r"o7X2U-1.*?(/>|</iq>)"))
            c.send("<iq id=\"o7X2U-2\" type=\"get\"><query xmlns=\"jabber:iq:roster\"></query></iq>")
            c.read_until(r"o7X2U-2.*?(/>|</iq>)")
            c.send("<presence id=\"o7X2U-3\"></presence>")
            c.send("<message id=\"o7X2U-4\" to=\"用户2@localhost/AndroidPushClient\" type=\"chat\">"
                   "<subject>message</subject><body>新消息</body></message>")
            c.send("<message to=\"用户2@localhost/AndroidPushClient\" "
                   "from=\"用户1@localhost/AndroidPushClient\"><body>2</body><msgExtension "
                   "xmlns=\"http://jabber.org/protocol/msgExtension\"><msg>新消息2</msg>"
                   "<time>1500277380490</time><uuid>603c02ee</uuid></msgExtension></message>")
            await until(lambda: len(peer.messages) >= 2, 15, "two messages")
            first, second = peer.messages[0], peer.messages[1]
            self.assertEqual(first["subject"], "message")
            self.assertEqual(first["body"], "新消息")
            ext = second.xml.find("{http://jabber.org/protocol/msgExtension}msgExtension")
            self.assertIsNotNone(ext)
            self.assertEqual(ext.find("{http://jabber.org/protocol/msgExtension}msg").text,
                             "新消息2")
            self.assertEqual(ext.find("{http://jabber.org/protocol/msgExtension}uuid").text,
                             "603c02ee")
            c.send("<presence id=\"o7X2U-18\" type=\"unavailable\"></presence></stream:stream>")
            self.assertIn("</stream:stream>", c.read_to_close())
            c.close()
            await logout(peer)
        run(go())


class GatewayCrashTest(unittest.TestCase):
    """kill -9 of one gateway: its users go unavailable to their contacts within 10 s, and the
    other gateway's users keep chatting."""

    def test_kill_one_gateway(self):
        cluster = Cluster(gateways=2)
        try:
            for n in ("ann", "ben", "cat"):
                cluster.adduser(n, n + "-pw")

            async def go():
                ann = await login(cluster, "ann@localhost/a", "ann-pw", gateway=0)
                cat = await login(cluster, "cat@localhost/c", "cat-pw", gateway=0)
                ben = await login(cluster, "ben@localhost/b", "ben-pw", gateway=1)
                await ann.get_roster()
                await ben.get_roster()
                ann.send_presence_subscription(pto="ben@localhost")
                await until(lambda: ann.client_roster["ben@localhost"]["subscription"] == "both",
                            20, "subscribed")
                await until(lambda: ann.presence_from("ben@localhost/b"), 10, "ben available")
                os.kill(cluster.pid("gateway-1"), signal.SIGKILL)
                t0 = time.monotonic()
                await until(lambda: ann.presence_from("ben@localhost/b", "unavailable"), 10,
                            "ben unavailable within 10 s")
                self.assertLess(time.monotonic() - t0, 10)
                ann.send_message(mto="cat@localhost/c", mbody="still chatting", mtype="chat")
                await until(lambda: any(m["body"] == "still chatting" for m in cat.messages),
                            10, "chat on the surviving gateway")
                await logout(ann, cat)
            run(go())
        finally:
            cluster.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
