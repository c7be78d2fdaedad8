-- XEP-0049 private XML storage: one element per (user, namespace, element name), the
-- serialized xmpp.v1.Element, never parsed by the database.
CREATE TABLE roster_private (
  username text COLLATE "C" NOT NULL,
  ns       text COLLATE "C" NOT NULL,
  name     text COLLATE "C" NOT NULL,
  element  bytea NOT NULL,
  PRIMARY KEY (username, ns, name)
);
