-- Description words are searchable (issue 12), in an FTS5 table of their own rather than a new column of
-- torrents_fts, so this migration never touches that table (0003 reworks its facets). rowid = torrents.id;
-- the same tokenizer as torrents_fts, so a word splits the same way in a name and in a description. Search
-- ranks a description match with its own bm25 weight, below a name match (worker/directory/rules/ranking.ts).
CREATE VIRTUAL TABLE torrents_desc_fts USING fts5 (
  description,
  tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*' separators '._-[]()+,'",
  prefix = '2 3'
);

-- Existing entries.
INSERT INTO torrents_desc_fts (rowid, description)
SELECT id, description FROM torrents WHERE description IS NOT NULL AND description != '';

CREATE TRIGGER torrents_desc_fts_insert AFTER INSERT ON torrents
WHEN NEW.description IS NOT NULL AND NEW.description != '' BEGIN
  INSERT INTO torrents_desc_fts (rowid, description) VALUES (NEW.id, NEW.description);
END;

CREATE TRIGGER torrents_desc_fts_update AFTER UPDATE OF description ON torrents
WHEN OLD.description IS NOT NEW.description BEGIN
  DELETE FROM torrents_desc_fts WHERE rowid = OLD.id;
  INSERT INTO torrents_desc_fts (rowid, description)
  SELECT NEW.id, NEW.description WHERE NEW.description IS NOT NULL AND NEW.description != '';
END;

CREATE TRIGGER torrents_desc_fts_delete AFTER DELETE ON torrents BEGIN
  DELETE FROM torrents_desc_fts WHERE rowid = OLD.id;
END;
