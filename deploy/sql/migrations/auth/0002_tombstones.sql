-- Removed accounts' names (XEP-0077 cancellation, xmppctl deluser): the name cannot be
-- registered again for a while, so nobody takes over a removed user's contacts and history.
CREATE TABLE auth_tombstones (
  username   text COLLATE "C" PRIMARY KEY,
  deleted_at timestamptz NOT NULL
);
