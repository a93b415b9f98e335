// The tracker's D1 writes and reads of live swarm counts (`swarm_stats`, which the directory ranks by).
// Layer: adapter (functions of D1Database, tested apart from the objects).
import type { SwarmCounts } from "../protocol/tracker";
import type { SwarmActivityReport } from "./swarm-activity";
import { meter } from "./usage";

/** What a swarm pushes: its counts and, when it has them, its activity for the stats page and metrics. */
export type SwarmReport = SwarmCounts & Partial<SwarmActivityReport>;

export async function upsertSwarmStats(db: D1Database, infoHash: string, report: SwarmReport, now: number): Promise<void> {
  const result = await db
    .prepare(
      `INSERT INTO swarm_stats (info_hash, complete, incomplete, downloaded, updated_at, http_complete, http_incomplete, clients,
         announces_per_s, offers_per_s, answers_per_s, refusals)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
       ON CONFLICT (info_hash) DO UPDATE SET complete = ?2, incomplete = ?3, downloaded = ?4, updated_at = ?5,
         http_complete = ?6, http_incomplete = ?7, clients = ?8, announces_per_s = ?9, offers_per_s = ?10, answers_per_s = ?11, refusals = ?12
       -- a push that lost a race with a newer one (a retry landing late) must not undo it
       WHERE excluded.updated_at >= swarm_stats.updated_at`,
    )
    .bind(
      infoHash,
      report.complete,
      report.incomplete,
      report.downloaded,
      now,
      report.httpComplete ?? 0,
      report.httpIncomplete ?? 0,
      JSON.stringify(report.clients ?? {}),
      report.announcesPerSecond ?? 0,
      report.offersPerSecond ?? 0,
      report.answersPerSecond ?? 0,
      JSON.stringify(report.refusals ?? {}),
    )
    .run();
  meter.d1Writes++;
  meter.d1RowsWritten += result.meta.rows_written ?? 0;
}

/** Counts of the given swarms as last pushed; swarms without a row (never seen, or empty) are absent. */
export async function swarmStatsOf(db: D1Database, infoHashes: string[]): Promise<Record<string, SwarmCounts>> {
  if (infoHashes.length === 0) return {};
  const { results } = await db
    .prepare(`SELECT info_hash, complete, incomplete, downloaded FROM swarm_stats WHERE info_hash IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(infoHashes))
    .all<{ info_hash: string } & SwarmCounts>();
  const files: Record<string, SwarmCounts> = {};
  for (const row of results) files[row.info_hash] = { complete: row.complete, incomplete: row.incomplete, downloaded: row.downloaded };
  return files;
}

/** The busiest live swarms, at most `limit` of them. */
export async function liveSwarmStats(db: D1Database, limit: number): Promise<Record<string, SwarmCounts>> {
  const { results } = await db
    .prepare(
      `SELECT info_hash, complete, incomplete, downloaded FROM swarm_stats
       WHERE complete + incomplete > 0 ORDER BY complete + incomplete DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<{ info_hash: string } & SwarmCounts>();
  const files: Record<string, SwarmCounts> = {};
  for (const row of results) {
    files[row.info_hash] = { complete: row.complete, incomplete: row.incomplete, downloaded: row.downloaded };
  }
  return files;
}

/**
 * A host whose swarms lived in memory restarted: counts pushed before `startedAt` and not renewed since are
 * zeroed (their peers did not come back), the completed counts kept. Returns the rows zeroed.
 */
export async function zeroStaleSwarmStats(db: D1Database, startedAt: number): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE swarm_stats SET complete = 0, incomplete = 0, http_complete = 0, http_incomplete = 0, clients = '{}',
         announces_per_s = 0, offers_per_s = 0, answers_per_s = 0, refusals = '{}', updated_at = ?1
       WHERE updated_at < ?1 AND complete + incomplete > 0`,
    )
    .bind(startedAt)
    .run();
  return result.meta.changes;
}

/** Swarms' completed counts as last pushed (most first), for a host that keeps them in memory. */
export async function completedCounts(db: D1Database, limit: number): Promise<Map<string, number>> {
  const { results } = await db
    .prepare(`SELECT info_hash, downloaded FROM swarm_stats WHERE downloaded > 0 ORDER BY downloaded DESC LIMIT ?1`)
    .bind(limit)
    .all<{ info_hash: string; downloaded: number }>();
  return new Map(results.map((row) => [row.info_hash, row.downloaded]));
}
