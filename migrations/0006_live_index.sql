-- The live entries alone, with what ranking and the filters read (issue 10, `cast*` at 1M entries). Relevance
-- takes the newest 1,000 live matches besides the newest 1,000 matches, so for a word in ~1% of names its live
-- cursor reads the word's matches back through the whole directory and checks each one's live state: one probe
-- of torrents_rank per match, on pages all over its 1M entries (~22 MB, beyond SQLite's page cache), 1-1.7 µs
-- each — 11 ms of a 35 ms search. Live entries are ~15% of the directory, so this index is ~6x smaller and
-- mostly cached: the same cursor reads it in 2.5 ms. Queries that require live entries name it (INDEXED BY),
-- with the same columns as torrents_rank so it covers every check they make.
-- A count push that does not change whether a torrent is live updates its seeders here as in torrents_rank;
-- one that does adds or removes one entry: both stay a single small write.
CREATE INDEX torrents_live ON torrents (id, seeders, leechers, size) WHERE seeders + leechers > 0;
