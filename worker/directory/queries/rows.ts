// D1 rows of the directory and the API objects they become (protocol/directory.ts): the one place that knows
// both shapes, so query tests see exactly what the API returns. Layer: adapter (D1 row shapes).
import { magnetLink, type SearchHit, type TorrentSummary } from "../../../protocol/directory";

/** The columns every listing shows. `tags` is the JSON array text. */
export type TorrentRow = {
  id: number;
  info_hash: string;
  name: string;
  size: number;
  piece_length: number | null;
  file_count: number;
  added_at: number;
  tags: string;
  description: string | null;
  seeders: number;
  leechers: number;
  completed: number;
  has_torrent_file: number;
};

export type SearchRow = Omit<TorrentRow, "piece_length" | "description" | "has_torrent_file"> & {
  /** The relevance score under sort=relevance; null under the other sorts, which order by their field. */
  score: number | null;
  /** The value the page is ordered by (score, seeders, size, name), for the next cursor. */
  sort_key: number | string | null;
};

export const SUMMARY_COLUMNS = `t.id, t.info_hash, t.name, t.size, t.piece_length, t.file_count, t.added_at, t.tags, t.description,
  t.seeders, t.leechers, t.completed, EXISTS (SELECT 1 FROM torrent_files tf WHERE tf.torrent_id = t.id) AS has_torrent_file`;

export const HIT_COLUMNS = "t.id, t.info_hash, t.name, t.size, t.file_count, t.added_at, t.tags, t.seeders, t.leechers, t.completed";

/** Where this deployment's tracker sockets are (magnets point at `<wsBase>/announce/<hash>`). */
export type Links = { wsBase: string };

export function linksFor(requestUrl: string): Links {
  const url = new URL(requestUrl);
  return { wsBase: `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}` };
}

function magnetFor(row: { info_hash: string; name: string; size: number }, links: Links): string {
  return magnetLink(row.info_hash, row.name, `${links.wsBase}/announce/${row.info_hash}`, row.size);
}

function parseTags(json: string): string[] {
  try {
    const tags: unknown = JSON.parse(json);
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

/** The fields a search hit and a torrent's details share. */
function listing(row: SearchRow | TorrentRow, links: Links) {
  return {
    info_hash: row.info_hash,
    name: row.name,
    size: row.size,
    file_count: row.file_count,
    seeders: row.seeders,
    leechers: row.leechers,
    completed: row.completed,
    added: new Date(row.added_at).toISOString(),
    tags: parseTags(row.tags),
    magnet: magnetFor(row, links),
  };
}

export function toSearchHit(row: SearchRow, links: Links): SearchHit {
  return { ...listing(row, links), score: row.score };
}

export function toSummary(row: TorrentRow, links: Links): TorrentSummary {
  return {
    ...listing(row, links),
    piece_length: row.piece_length,
    description: row.description,
    torrent_url: row.has_torrent_file ? `/api/torrents/${row.info_hash}/torrent` : null,
  };
}
