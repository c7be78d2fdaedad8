"""End to end: the router's modules through slixmpp's own plugins for them: XEP-0280 carbons
(xep_0280), XEP-0030 disco with XEP-0157 contact addresses (xep_0030, xep_0128), XEP-0092
software version without the OS (xep_0092), XEP-0048 bookmarks in XEP-0049 private storage
(xep_0048 over xep_0049), XEP-0191 blocking (xep_0191), XEP-0012 last activity (xep_0012)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DOMAIN, Cluster, login, logout, run, until  # noqa: E402


class ModulesTest(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(gateways=2, router_args=(
            "--xmpp.contact.abuse=mailto:abuse@localhost "
            "--xmpp.contact.admin=xmpp:admin@localhost,mailto:admin@localhost"))
        for name in ("alice", "bob", "carol", "dan", "eve", "fay", "gus"):
            cls.cluster.adduser(name, name + "-pw")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_carbons_copy_sent_and_received_messages_to_other_devices(self):
        async def go():
            plugins = ("xep_0280",)
            phone = await login(self.cluster, "alice@localhost/phone", "alice-pw", plugins=plugins)
            laptop = await login(self.cluster, "alice@localhost/laptop", "alice-pw", gateway=1,
                                 plugins=plugins)
            bob = await login(self.cluster, "bob@localhost/pc", "bob-pw", gateway=1)
            info = await phone.plugin["xep_0030"].get_info(jid=DOMAIN, timeout=10)
            self.assertIn("urn:xmpp:carbons:2", info["disco_info"]["features"])
            await phone.plugin["xep_0280"].enable(timeout=10)
            await laptop.plugin["xep_0280"].enable(timeout=10)

            sent, received = [], []
            laptop.add_event_handler("carbon_sent", sent.append)
            laptop.add_event_handler("carbon_received", received.append)

            phone.send_message(mto="bob@localhost/pc", mbody="from the phone", mtype="chat")
            await until(lambda: sent, 10, "a sent carbon on the laptop")
            fwd = sent[0]["carbon_sent"]
            self.assertEqual(str(fwd["to"]), "bob@localhost/pc")
            self.assertEqual(str(fwd["from"]), "alice@localhost/phone")
            self.assertEqual(fwd["body"], "from the phone")
            await until(lambda: any(m["body"] == "from the phone" for m in bob.messages), 10,
                        "bob's message")

            bob.send_message(mto="alice@localhost/phone", mbody="to the phone", mtype="chat")
            await until(lambda: received, 10, "a received carbon on the laptop")
            fwd = received[0]["carbon_received"]
            self.assertEqual(str(fwd["from"]), "bob@localhost/pc")
            self.assertEqual(fwd["body"], "to the phone")
            await until(lambda: any(m["body"] == "to the phone" for m in phone.messages), 10,
                        "the phone's message")

            # A private message is not copied; a later marker shows the order.
            msg = phone.make_message(mto="bob@localhost/pc", mbody="private", mtype="chat")
            msg.enable("carbon_private")
            msg.send()
            phone.send_message(mto="bob@localhost/pc", mbody="marker", mtype="chat")
            await until(lambda: len(sent) == 2, 10, "the marker's carbon")
            self.assertEqual(sent[1]["carbon_sent"]["body"], "marker")

            await laptop.plugin["xep_0280"].disable(timeout=10)
            phone.send_message(mto="bob@localhost/pc", mbody="after disable", mtype="chat")
            await until(lambda: any(m["body"] == "after disable" for m in bob.messages), 10,
                        "bob's last message")
            # The laptop's ping answer comes after anything routed to it before.
            await laptop.plugin["xep_0199"].ping(jid=DOMAIN, timeout=10)
            self.assertEqual(len(sent), 2)
            await logout(phone, laptop, bob)
        run(go())

    def test_disco_lists_contact_addresses_and_version_hides_the_os(self):
        async def go():
            c = await login(self.cluster, "carol@localhost/x", "carol-pw",
                            plugins=("xep_0128", "xep_0092"))
            info = await c.plugin["xep_0030"].get_info(jid=DOMAIN, timeout=10)
            forms = info["disco_info"]["forms"]
            self.assertEqual(len(forms), 1)
            values = forms[0].get_values()
            self.assertEqual(values["FORM_TYPE"], ["http://jabber.org/network/serverinfo"])
            self.assertEqual(values["abuse-addresses"], ["mailto:abuse@localhost"])
            self.assertEqual(values["admin-addresses"],
                             ["xmpp:admin@localhost", "mailto:admin@localhost"])
            version = await c.plugin["xep_0092"].get_version(DOMAIN, timeout=10)
            self.assertEqual(version["software_version"]["name"], "xmppd")
            self.assertEqual(version["software_version"]["os"], "")
            # XEP-0030 on the account's own bare JID.
            own = await c.plugin["xep_0030"].get_info(jid="carol@localhost", timeout=10)
            self.assertIn(("account", "registered", None, None),
                          own["disco_info"]["identities"])
            await logout(c)
        run(go())

    def test_bookmarks_in_private_storage_survive_a_new_login(self):
        async def go():
            plugins = ("xep_0060", "xep_0163", "xep_0049", "xep_0048")
            a = await login(self.cluster, "alice@localhost/one", "alice-pw", plugins=plugins)
            from slixmpp.plugins.xep_0048.stanza import Bookmarks
            marks = Bookmarks()
            marks.add_conference("room@conference.localhost", "alice", name="Room",
                                 autojoin=True)
            await a.plugin["xep_0048"].set_bookmarks(marks, method="xep_0049", timeout=10)
            await logout(a)

            b = await login(self.cluster, "alice@localhost/two", "alice-pw", gateway=1,
                            plugins=plugins)
            result = await b.plugin["xep_0048"].get_bookmarks(method="xep_0049", timeout=10)
            conferences = result["private"]["bookmarks"]["conferences"]
            self.assertEqual(len(conferences), 1)
            self.assertEqual(str(conferences[0]["jid"]), "room@conference.localhost")
            self.assertEqual(conferences[0]["nick"], "alice")
            self.assertTrue(conferences[0]["autojoin"])
            await logout(b)
        run(go())

    def test_blocking_stops_messages_both_ways_and_pushes_to_other_resources(self):
        async def go():
            dan = await login(self.cluster, "dan@localhost/pc", "dan-pw", plugins=("xep_0191",))
            dan2 = await login(self.cluster, "dan@localhost/phone", "dan-pw", gateway=1,
                               plugins=("xep_0191",))
            eve = await login(self.cluster, "eve@localhost/pc", "eve-pw", gateway=1)
            info = await dan.plugin["xep_0030"].get_info(jid=DOMAIN, timeout=10)
            self.assertIn("urn:xmpp:blocking", info["disco_info"]["features"])
            await dan2.plugin["xep_0191"].get_blocked(timeout=10)  # asks: gets pushes
            pushes = []
            dan2.add_event_handler("blocked", pushes.append)
            await dan.plugin["xep_0191"].block(["eve@localhost"], timeout=10)
            await until(lambda: pushes, 10, "the block push on the other resource")
            self.assertEqual({str(j) for j in pushes[0]["block"]["items"]}, {"eve@localhost"})
            got = await dan.plugin["xep_0191"].get_blocked(timeout=10)
            self.assertEqual({str(j) for j in got["blocklist"]["items"]}, {"eve@localhost"})

            errors = []
            eve.add_event_handler("message_error", errors.append)
            eve.send_message(mto="dan@localhost/pc", mbody="spam", mtype="chat")
            await until(lambda: errors, 10, "eve's error")
            self.assertEqual(errors[0]["error"]["condition"], "service-unavailable")

            dan_errors = []
            dan.add_event_handler("message_error", dan_errors.append)
            dan.send_message(mto="eve@localhost/pc", mbody="to eve", mtype="chat")
            await until(lambda: dan_errors, 10, "dan's error")
            self.assertEqual(dan_errors[0]["error"]["condition"], "not-acceptable")
            self.assertIn("urn:xmpp:blocking:errors", str(dan_errors[0]))

            await dan.plugin["xep_0191"].unblock(["eve@localhost"], timeout=10)
            eve.send_message(mto="dan@localhost/pc", mbody="hello again", mtype="chat")
            await until(lambda: any(m["body"] == "hello again" for m in dan.messages), 10,
                        "the message after unblock")
            self.assertFalse(any(m["body"] == "spam" for m in dan.messages + dan2.messages))
            await logout(dan, dan2, eve)
        run(go())

    def test_last_activity_of_a_contact_the_server_and_a_stranger(self):
        async def go():
            fay = await login(self.cluster, "fay@localhost/pc", "fay-pw", plugins=("xep_0012",))
            gus = await login(self.cluster, "gus@localhost/pc", "gus-pw", gateway=1)
            # A mutual subscription (slixmpp authorizes and subscribes back by itself; roster
            # pushes go to resources that asked for the roster).
            await fay.get_roster()
            await gus.get_roster()
            fay.send_presence(pto="gus@localhost", ptype="subscribe")
            await until(lambda: fay.client_roster["gus@localhost"]["subscription"] == "both", 15,
                        "a mutual subscription")
            last = fay.plugin["xep_0012"]
            online = await last.get_last_activity("gus@localhost", timeout=10)
            self.assertEqual(online["last_activity"]["seconds"], 0)
            gus.send_presence(ptype="unavailable", pstatus="out for lunch")
            await until(lambda: fay.presence_from("gus@localhost/pc", "unavailable"), 10,
                        "gus going offline")
            await logout(gus)
            offline = await last.get_last_activity("gus@localhost", timeout=10)
            self.assertGreaterEqual(offline["last_activity"]["seconds"], 0)
            self.assertEqual(offline["last_activity"]["status"], "out for lunch")
            uptime = await last.get_last_activity(DOMAIN, timeout=10)
            self.assertGreaterEqual(uptime["last_activity"]["seconds"], 0)
            from slixmpp.exceptions import IqError
            with self.assertRaises(IqError) as refused:
                await last.get_last_activity("carol@localhost", timeout=10)
            self.assertEqual(refused.exception.condition, "forbidden")
            await logout(fay)
        run(go())


if __name__ == "__main__":
    unittest.main()
