-- XEP-0191 block lists: the JIDs (bare, full or domain, prepared) each user blocked.
CREATE TABLE roster_blocklist (
  username text COLLATE "C" NOT NULL,
  jid      text COLLATE "C" NOT NULL,
  PRIMARY KEY (username, jid)
);
