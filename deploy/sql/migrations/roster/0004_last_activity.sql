-- XEP-0012 last activity: when each user's last resource went offline, with its status.
CREATE TABLE roster_last_activity (
  username text COLLATE "C" PRIMARY KEY,
  logout   timestamptz NOT NULL,
  status   text NOT NULL DEFAULT ''
);
