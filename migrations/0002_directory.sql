-- The Napster-style directory: published torrents, their files and tags, a full-text index, and live swarm
-- counts copied from swarm_stats (0001) so search can sort and filter on them with an index (issue 3).

-- AUTOINCREMENT: ids never come back after a delete, so "id <= the newest id when a search began" pins a
-- paginated result set (docs/directory.md "Pagination").
CREATE TABLE torrents (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  info_hash            TEXT NOT NULL UNIQUE CHECK (length(info_hash) = 40),
  name                 TEXT NOT NULL,
  size                 INTEGER NOT NULL CHECK (size >= 0),
  piece_length         INTEGER CHECK (piece_length > 0),
  file_count           INTEGER NOT NULL CHECK (file_count >= 1),
  added_at             INTEGER NOT NULL,
  publisher_token_hash TEXT NOT NULL,
  tags                 TEXT NOT NULL DEFAULT '[]', -- JSON array, for display; torrent_tags is what filters
  description          TEXT,
  -- Live counts, kept equal to swarm_stats by the triggers below (0 while the swarm has no row).
  seeders              INTEGER NOT NULL DEFAULT 0,
  leechers             INTEGER NOT NULL DEFAULT 0,
  completed            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX torrents_size ON torrents (size);
CREATE INDEX torrents_name ON torrents (name COLLATE NOCASE);
CREATE INDEX torrents_seeders ON torrents (seeders);
CREATE INDEX torrents_alive ON torrents (seeders) WHERE seeders + leechers > 0;
-- Narrow copy of what ranking reads per candidate (seeders) and filters on (size), looked up by id: far
-- fewer pages than the full rows when a search scores or sorts thousands of candidates.
CREATE INDEX torrents_rank ON torrents (id, seeders, size);

CREATE TABLE files (
  torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
  idx        INTEGER NOT NULL,
  path       TEXT NOT NULL,
  length     INTEGER NOT NULL CHECK (length >= 0),
  PRIMARY KEY (torrent_id, idx)
) WITHOUT ROWID;

CREATE TABLE torrent_tags (
  tag        TEXT NOT NULL,
  torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
  PRIMARY KEY (tag, torrent_id)
) WITHOUT ROWID;
CREATE INDEX torrent_tags_torrent ON torrent_tags (torrent_id);

-- The .torrent as published (verified: its info dict hashes to info_hash). Apart from torrents so the
-- rows search reads stay small.
CREATE TABLE torrent_files (
  torrent_id INTEGER PRIMARY KEY REFERENCES torrents (id) ON DELETE CASCADE,
  data       BLOB NOT NULL
);

-- rowid = torrents.id. unicode61 splits on everything that is not a letter, number, mark or private-use
-- character, so "Ubuntu.24.04-desktop_amd64.iso" indexes as ubuntu|24|04|desktop|amd64|iso; the explicit
-- separators make the file-name punctuation rule visible (and hold if the default categories change).
-- `facets` holds private-use tokens no search box can type (worker/directory/facets.ts): live state,
-- a seeders bucket and the exact tags, so text searches filter and order on them inside FTS5.
CREATE VIRTUAL TABLE torrents_fts USING fts5 (
  name, paths, tags, facets,
  tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*' separators '._-[]()+,'",
  prefix = '2 3'
);

-- A torrent's facet tokens: U+E000 'l' = live peers; U+E000 's'<bucket> = seeders in powers of 4
-- (1-3 → 1, 4-15 → 2, … 1048576+ → 11) or U+E000 'n' = no seeders; U+E001 <tag> per tag, its . - _
-- mapped to U+E010 U+E011 U+E012 so a tag stays one token.
CREATE VIEW torrent_facets AS
SELECT id, trim(
    CASE WHEN seeders + leechers > 0 THEN char(57344) || 'l ' ELSE '' END ||
    CASE WHEN seeders > 0 THEN char(57344) || 's' || (
        (seeders >= 1) + (seeders >= 4) + (seeders >= 16) + (seeders >= 64) + (seeders >= 256) + (seeders >= 1024) +
        (seeders >= 4096) + (seeders >= 16384) + (seeders >= 65536) + (seeders >= 262144) + (seeders >= 1048576))
      ELSE char(57344) || 'n' END ||
    coalesce((SELECT ' ' || group_concat(char(57345) ||
        replace(replace(replace(j.value, '.', char(57360)), '-', char(57361)), '_', char(57362)), ' ')
      FROM json_each(torrents.tags) j), '')
  ) AS facets
FROM torrents;

CREATE TRIGGER torrents_fts_delete AFTER DELETE ON torrents BEGIN
  DELETE FROM torrents_fts WHERE rowid = OLD.id;
END;

-- Facets follow live counts and tags; rewritten only when one of them actually changes.
CREATE TRIGGER torrents_facets_update AFTER UPDATE OF seeders, leechers, tags ON torrents
WHEN (OLD.seeders + OLD.leechers > 0) != (NEW.seeders + NEW.leechers > 0)
  OR OLD.tags IS NOT NEW.tags
  OR ((OLD.seeders >= 1) + (OLD.seeders >= 4) + (OLD.seeders >= 16) + (OLD.seeders >= 64) + (OLD.seeders >= 256) +
      (OLD.seeders >= 1024) + (OLD.seeders >= 4096) + (OLD.seeders >= 16384) + (OLD.seeders >= 65536) +
      (OLD.seeders >= 262144) + (OLD.seeders >= 1048576))
  != ((NEW.seeders >= 1) + (NEW.seeders >= 4) + (NEW.seeders >= 16) + (NEW.seeders >= 64) + (NEW.seeders >= 256) +
      (NEW.seeders >= 1024) + (NEW.seeders >= 4096) + (NEW.seeders >= 16384) + (NEW.seeders >= 65536) +
      (NEW.seeders >= 262144) + (NEW.seeders >= 1048576))
BEGIN
  UPDATE torrents_fts SET facets = (SELECT facets FROM torrent_facets WHERE id = NEW.id) WHERE rowid = NEW.id;
END;

-- The swarm Durable Objects upsert swarm_stats (throttled); these copy the counts onto the torrent.
CREATE TRIGGER swarm_stats_to_torrents_insert AFTER INSERT ON swarm_stats BEGIN
  UPDATE torrents SET seeders = NEW.complete, leechers = NEW.incomplete, completed = NEW.downloaded
  WHERE info_hash = NEW.info_hash;
END;
CREATE TRIGGER swarm_stats_to_torrents_update AFTER UPDATE ON swarm_stats BEGIN
  UPDATE torrents SET seeders = NEW.complete, leechers = NEW.incomplete, completed = NEW.downloaded
  WHERE info_hash = NEW.info_hash;
END;
CREATE TRIGGER swarm_stats_to_torrents_delete AFTER DELETE ON swarm_stats BEGIN
  UPDATE torrents SET seeders = 0, leechers = 0, completed = 0 WHERE info_hash = OLD.info_hash;
END;

-- Row counts for GET /api/stats without a full count(*) over a million rows.
CREATE TABLE directory_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO directory_counters (name, value) VALUES ('torrents', 0);
CREATE TRIGGER torrents_count_insert AFTER INSERT ON torrents BEGIN
  UPDATE directory_counters SET value = value + 1 WHERE name = 'torrents';
END;
CREATE TRIGGER torrents_count_delete AFTER DELETE ON torrents BEGIN
  UPDATE directory_counters SET value = value - 1 WHERE name = 'torrents';
END;
