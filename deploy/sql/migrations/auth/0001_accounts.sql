-- Accounts keyed by the nodeprep'ed localpart, with salted SCRAM verifiers (RFC 5802/7677).
-- The plaintext column stays NULL unless the operator opted into XEP-0078 digest auth.
CREATE TABLE auth_accounts (
  username          text COLLATE "C" PRIMARY KEY,
  sha1_iterations   integer NOT NULL CHECK (sha1_iterations >= 4096),
  sha1_salt         bytea   NOT NULL,
  sha1_stored_key   bytea   NOT NULL,
  sha1_server_key   bytea   NOT NULL,
  sha256_iterations integer NOT NULL CHECK (sha256_iterations >= 4096),
  sha256_salt       bytea   NOT NULL,
  sha256_stored_key bytea   NOT NULL,
  sha256_server_key bytea   NOT NULL,
  plaintext         text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
