-- The tracker's own tables and columns (issue 11): per-user keys of a private tracker, and what each swarm
-- pushes beside its counts for the stats page and metrics (transport split, clients, activity rates).

-- A private tracker's keys (`/announce/k/<key>`): only a SHA-256 of each key is kept.
CREATE TABLE tracker_keys (
  id         TEXT PRIMARY KEY CHECK (length(id) = 16),
  key_hash   TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
  label      TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 200),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

-- Peers on HTTP announce (desktop clients); the rest of complete/incomplete are WebRTC peers.
ALTER TABLE swarm_stats ADD COLUMN http_complete INTEGER NOT NULL DEFAULT 0 CHECK (http_complete >= 0);
ALTER TABLE swarm_stats ADD COLUMN http_incomplete INTEGER NOT NULL DEFAULT 0 CHECK (http_incomplete >= 0);
-- Peers by client software (from peer-id prefixes), as a JSON object {"qBittorrent 4.6": 3, …}.
ALTER TABLE swarm_stats ADD COLUMN clients TEXT NOT NULL DEFAULT '{}';
-- Activity over the swarm's last push window, per second: announces, offers and answers relayed, and
-- refusals by reason (JSON {"swarm is full": 0.2, …}). Rates, not totals: a swarm's row may go when it empties.
ALTER TABLE swarm_stats ADD COLUMN announces_per_s REAL NOT NULL DEFAULT 0;
ALTER TABLE swarm_stats ADD COLUMN offers_per_s REAL NOT NULL DEFAULT 0;
ALTER TABLE swarm_stats ADD COLUMN answers_per_s REAL NOT NULL DEFAULT 0;
ALTER TABLE swarm_stats ADD COLUMN refusals TEXT NOT NULL DEFAULT '{}';
