// Whether the directory lists a torrent, for a tracker that serves only listed torrents: asked once per swarm
// object and remembered (a listing seen stays valid for 10 minutes, an absence for one, so a torrent published
// a moment ago is served soon). Layer: adapter (a D1 read).

const LISTED_FOR_MS = 10 * 60_000;
const UNLISTED_FOR_MS = 60_000;

export class DirectoryMembership {
  private known: { listed: boolean; until: number } | null = null;
  private asking: Promise<boolean> | null = null;

  constructor(private readonly db: D1Database) {}

  async isListed(infoHash: string, now: number): Promise<boolean> {
    if (this.known && now < this.known.until) return this.known.listed;
    this.asking ??= this.db
      .prepare(`SELECT 1 AS listed FROM torrents WHERE info_hash = ?1`)
      .bind(infoHash)
      .first<{ listed: number }>()
      .then((row) => {
        const listed = row !== null;
        this.known = { listed, until: Date.now() + (listed ? LISTED_FOR_MS : UNLISTED_FOR_MS) };
        return listed;
      })
      .finally(() => (this.asking = null));
    return this.asking;
  }
}
