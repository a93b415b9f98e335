-- Live counts leave the full-text index (issue 10). Until now every change of a torrent's live state (live or
-- not, its seeders bucket) rewrote its `facets` in torrents_fts, and FTS5 rewrites a row whole: each count
-- push re-tokenised the torrent's name and every file path (up to ~2 MB), and one peer toggling a swarm did
-- it again on each toggle. From here the index holds only what changes with the text itself (name, paths,
-- tags, and the tag facets, rewritten only when a publisher changes the tags); live state is read from the
-- torrents row through the narrow index below.
--
-- Why not a second, small FTS table of live facets: a search must intersect it with the text matches, and
-- FTS5 can only do that one row at a time across tables. Measured at 100k entries (local D1): an FTS5
-- `MATCH … AND rowid = ?` probe costs 30-180 µs, a probe of the index below 0.5 µs; the newest 1,000 live
-- matches of a common word took 4 ms through it (5 ms as one FTS5 AND before, 250 ms through FTS probes).

DROP TRIGGER torrents_facets_update;

-- Tag facets only (migration 0002 documents the tokens); queries/torrents.ts writes them with the tags.
DROP VIEW torrent_facets;
CREATE VIEW torrent_facets AS
SELECT id, coalesce((SELECT group_concat(char(57345) ||
    replace(replace(replace(j.value, '.', char(57360)), '-', char(57361)), '_', char(57362)), ' ')
  FROM json_each(torrents.tags) j), '') AS facets
FROM torrents;

-- What ranking and the live filters read per candidate: seeders (boost, sort), leechers (live = seeders +
-- leechers > 0) and size (filters), looked up by id. Same name, one column more than 0002's.
DROP INDEX torrents_rank;
CREATE INDEX torrents_rank ON torrents (id, seeders, leechers, size);

-- Rows indexed before this migration keep their old live tokens in `facets` until their tags change: nothing
-- searches for those tokens any more, and rewriting every row here would be the very cost this migration
-- removes, once per entry.

-- A swarm with no peers keeps no row: swarm_stats holds live swarms only, whatever info hashes peers
-- announce and leave. Its completed count stays on the torrent (the swarm object keeps the real one and pushes
-- it again when the swarm comes back).
DROP TRIGGER swarm_stats_to_torrents_delete;
CREATE TRIGGER swarm_stats_to_torrents_delete AFTER DELETE ON swarm_stats BEGIN
  UPDATE torrents SET seeders = 0, leechers = 0 WHERE info_hash = OLD.info_hash;
END;
CREATE TRIGGER swarm_stats_drop_empty_insert AFTER INSERT ON swarm_stats
WHEN NEW.complete + NEW.incomplete = 0 BEGIN
  DELETE FROM swarm_stats WHERE info_hash = NEW.info_hash;
END;
CREATE TRIGGER swarm_stats_drop_empty_update AFTER UPDATE ON swarm_stats
WHEN NEW.complete + NEW.incomplete = 0 BEGIN
  DELETE FROM swarm_stats WHERE info_hash = NEW.info_hash;
END;
DELETE FROM swarm_stats WHERE complete + incomplete = 0;
