-- Rosters (RFC 6121), offline messages (XEP-0160) and vCards (XEP-0054), owned by the roster
-- service. Every key is a prepared bare JID compared byte for byte (COLLATE "C").

-- Roster versions (XEP-0237) come from one global sequence: strictly increasing per user (they
-- are taken while the user's version row is locked) and never reused, not even by an account
-- that is deleted and created again. Not contiguous per user.
CREATE SEQUENCE roster_version_seq AS bigint MINVALUE 1 START WITH 1;

-- One row per user with a roster. It is the per-user lock of every roster read-modify-write
-- (updateItem, removeUser lock it first, then touch the items). Absent = version 0.
CREATE TABLE roster_versions (
  username text COLLATE "C" PRIMARY KEY,
  version  bigint NOT NULL CHECK (version >= 0)
);

-- subscription: 0 none, 1 to, 2 from, 3 both (xmpp::storage::Subscription).
-- groups keeps the client's order (and duplicates, if any) so items round-trip exactly.
CREATE TABLE roster_items (
  username          text COLLATE "C" NOT NULL,
  contact           text COLLATE "C" NOT NULL,
  name              text NOT NULL DEFAULT '',
  groups            text[] NOT NULL DEFAULT '{}',
  subscription      smallint NOT NULL DEFAULT 0 CHECK (subscription BETWEEN 0 AND 3),
  ask_out           boolean NOT NULL DEFAULT false,
  pending_in        boolean NOT NULL DEFAULT false,
  pending_in_stanza bytea NOT NULL DEFAULT '',
  approved          boolean NOT NULL DEFAULT false,
  hidden            boolean NOT NULL DEFAULT false,
  PRIMARY KEY (username, contact)
);

-- Requests to re-deliver at login: small partial index.
CREATE INDEX roster_items_pending_in ON roster_items (username, contact) WHERE pending_in;

-- Offline messages: ids from the bigserial (unique and increasing across the table); fetched
-- oldest first, deleted only when the delivering gateway acknowledges them.
CREATE TABLE roster_offline (
  id       bigserial PRIMARY KEY,
  username text COLLATE "C" NOT NULL,
  stanza   bytea NOT NULL,
  stamp    timestamptz NOT NULL
);
CREATE INDEX roster_offline_user ON roster_offline (username, id);

-- vCards: the serialized <vCard xmlns='vcard-temp'/> element, never parsed by the database.
CREATE TABLE roster_vcards (
  username text COLLATE "C" PRIMARY KEY,
  vcard    bytea NOT NULL
);
