// The tracker's D1 writes and reads of live swarm counts (`swarm_stats`, which the directory ranks by).
// Layer: adapter (functions of D1Database, tested apart from the objects).
import type { SwarmCounts } from "../protocol/tracker";
import type { TrackerStats } from "../protocol/tracker-stats";
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

/**
 * Swarms' completed counts as last pushed (most first), for a host that keeps them in memory: from the live
 * swarms' rows and, since a swarm's row goes with its last peer (migration 0003), from the listed torrents,
 * which keep the count their swarm last pushed.
 */
export async function completedCounts(db: D1Database, limit: number): Promise<Map<string, number>> {
  const { results } = await db
    .prepare(
      `SELECT info_hash, max(downloaded) AS downloaded FROM (
         SELECT info_hash, downloaded FROM swarm_stats WHERE downloaded > 0
         UNION ALL SELECT info_hash, completed FROM torrents WHERE completed > 0
       ) GROUP BY info_hash ORDER BY downloaded DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<{ info_hash: string; downloaded: number }>();
  return new Map(results.map((row) => [row.info_hash, row.downloaded]));
}

/**
 * The whole tracker's numbers: sums over the live swarms' rows (peers, transports, clients) and over the rows
 * reported within `activityWindowMs` (rates). A scan of live rows: callers cache the answer for a few seconds.
 */
export async function trackerStats(db: D1Database, now: number, activityWindowMs: number): Promise<TrackerStats> {
  const since = now - activityWindowMs;
  const [totals, clients, refusals, listed] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT count(*) AS swarms, coalesce(sum(complete), 0) AS seeders, coalesce(sum(incomplete), 0) AS leechers,
           coalesce(sum(http_complete), 0) AS http_seeders, coalesce(sum(http_incomplete), 0) AS http_leechers,
           coalesce(sum(CASE WHEN updated_at >= ?1 THEN announces_per_s END), 0) AS announces,
           coalesce(sum(CASE WHEN updated_at >= ?1 THEN offers_per_s END), 0) AS offers,
           coalesce(sum(CASE WHEN updated_at >= ?1 THEN answers_per_s END), 0) AS answers
         FROM swarm_stats WHERE complete + incomplete > 0`,
      )
      .bind(since),
    db.prepare(
      `SELECT j.key AS client, sum(j.value) AS peers FROM swarm_stats s, json_each(s.clients) j
       WHERE s.complete + s.incomplete > 0 GROUP BY j.key ORDER BY peers DESC, client LIMIT 50`,
    ),
    db
      .prepare(
        `SELECT j.key AS reason, sum(j.value) AS per_second FROM swarm_stats s, json_each(s.refusals) j
         WHERE s.updated_at >= ?1 GROUP BY j.key ORDER BY per_second DESC LIMIT 50`,
      )
      .bind(since),
    db.prepare(`SELECT value AS torrents FROM directory_counters WHERE name = 'torrents'`),
  ]);
  const t = totals!.results[0] as Record<string, number>;
  return {
    generated: new Date(now).toISOString(),
    swarms: t.swarms ?? 0,
    torrents_listed: Number((listed!.results[0] as { torrents?: number } | undefined)?.torrents ?? 0),
    peers: {
      total: (t.seeders ?? 0) + (t.leechers ?? 0),
      seeders: t.seeders ?? 0,
      leechers: t.leechers ?? 0,
      webrtc: { seeders: (t.seeders ?? 0) - (t.http_seeders ?? 0), leechers: (t.leechers ?? 0) - (t.http_leechers ?? 0) },
      http: { seeders: t.http_seeders ?? 0, leechers: t.http_leechers ?? 0 },
    },
    clients: (clients!.results as { client: string; peers: number }[]).map((r) => ({ client: r.client, peers: r.peers })),
    activity: {
      announces_per_second: t.announces ?? 0,
      offers_relayed_per_second: t.offers ?? 0,
      answers_relayed_per_second: t.answers ?? 0,
      refusals_per_second: (refusals!.results as { reason: string; per_second: number }[]).map((r) => ({ reason: r.reason, per_second: r.per_second })),
    },
    activity_window_seconds: Math.round(activityWindowMs / 1000),
  };
}
