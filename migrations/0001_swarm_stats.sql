-- Live swarm counts pushed (throttled) by the tracker's swarm Durable Objects.
-- Read by tracker scrapes of "all swarms" and by the directory's search ranking.
CREATE TABLE swarm_stats (
  info_hash  TEXT PRIMARY KEY CHECK (length(info_hash) = 40),
  complete   INTEGER NOT NULL DEFAULT 0 CHECK (complete >= 0),
  incomplete INTEGER NOT NULL DEFAULT 0 CHECK (incomplete >= 0),
  downloaded INTEGER NOT NULL DEFAULT 0 CHECK (downloaded >= 0),
  updated_at INTEGER NOT NULL
);
CREATE INDEX swarm_stats_live ON swarm_stats (complete + incomplete DESC) WHERE complete + incomplete > 0;
