-- qbi-runner queue schema, version 6: a keyed audit chain (README "Audit log").
--   keyed  1: the row's hash is HMAC-SHA256 under the operator's audit key (audit.key_file or
--          the service credential audit-key) instead of plain SHA-256, so whoever can write
--          the database but has not the key cannot recompute the chain after changing a row.
--          Rows written without a key keep 0; a keyed row is never followed by an unkeyed one.
ALTER TABLE attempts ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0 CHECK (keyed IN (0, 1));
