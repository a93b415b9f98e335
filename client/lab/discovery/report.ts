// search.md and search.csv from the search lab's rows: the model, the tables, the theory checks and what the
// numbers mean for edgeswarm's directory. Layer: client/lab/discovery, pure (strings in, strings out).
import type { LabEnvironment } from "../environment";
import type { SearchLabConfig, SearchRow } from "./experiment";
import type { MeasuredDirectorySummary } from "./measured-directory";
import { chordPathLength, floodMessagesBound, floodTreeMessages } from "./theory";
import { WIRE_BYTES } from "./wire-sizes";


export type SearchLabResults = {
  settings: SearchLabConfig;
  environment: LabEnvironment;
  measuredDirectory: MeasuredDirectorySummary;
  rows: SearchRow[];
};

/** search.csv's columns, in order: the issue's fields first, then the rest. */
export const SEARCH_COLUMNS = [
  "architecture",
  "peers",
  "ttl",
  "messagesPerQuery",
  "messagesP99",
  "hopsMean",
  "recall",
  "stateMean",
  "busiestNodeLoad",
  "latencyMs",
  "latencyP99Ms",
  "hopsP99",
  "stateMax",
  "busiestNodeShare",
  "queryMessages",
  "hitMessages",
  "bytesPerQuery",
  "degree",
  "supernodes",
  "successors",
  "churn",
  "pathLengthMean",
  "timeoutsMean",
  "slowerFraction",
  "catalogue",
  "headline",
  "queries",
] as const satisfies readonly (keyof SearchRow)[];

export function toSearchCsv(rows: readonly SearchRow[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return "";
    return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : String(v);
  };
  return [SEARCH_COLUMNS.join(","), ...rows.map((r) => SEARCH_COLUMNS.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

/** The row each architecture is summarised by at N (default degree, TTL and r; no failures). */
export function headline(rows: readonly SearchRow[], architecture: SearchRow["architecture"], peers: number): SearchRow | undefined {
  return rows.find((r) => r.architecture === architecture && r.peers === peers && r.headline);
}

const num = (v: number | null | undefined, digits = 1): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
};
const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(digits)}%`);
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

const NAMES: Record<SearchRow["architecture"], string> = {
  central: "central index",
  flooding: "flooding (Gnutella 0.4)",
  supernode: "supernodes (KaZaA)",
  chord: "Chord DHT",
};

export function renderSearchReport(results: SearchLabResults, plots: readonly string[]): string {
  const { settings: s, environment: e, measuredDirectory: m, rows } = results;
  const lines: string[] = [];
  const table = (head: string[], body: (string | number)[][]) => {
    lines.push(`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
    for (const row of body) lines.push(`| ${row.join(" | ")} |`);
    lines.push("");
  };
  const peers = [...new Set(rows.map((r) => r.peers))].sort((a, b) => a - b);
  const largest = peers[peers.length - 1]!;
  const sweepN = peers.includes(10_000) ? 10_000 : largest;
  const k = s.floodDegrees[0]!;
  const architectures = ["central", "flooding", "supernode", "chord"] as const;

  lines.push("## Finding content: central index vs flooding vs supernodes vs Chord (issue 14)", "");
  lines.push(
    `Simulated with \`npm run lab -- --search\` (seed ${s.seed}); ran ${e.startedAt} for ${e.durationSeconds.toFixed(0)} s on Node ${e.node}, ` +
      `${e.cpus} CPUs (${e.platform}). Every architecture answers the same ${num(s.queries, 0)} queries per N.`,
    "",
  );

  lines.push("### Model", "");
  lines.push(
    `- **Workload.** N peers each share ${s.sharesPerPeer} distinct items; the catalogue grows with the peers (max(${num(s.minCatalogue, 0)}, ${s.itemsPerPeer}·N) items). ` +
      `Which items a peer holds is Zipf(${s.replicationZipf}) over the catalogue's ranking, which item a query asks for Zipf(${s.queryZipf}) over the same ranking. ` +
      `A query asks for an item someone holds, from a peer that lacks it, so the central index's recall is 1 by construction.`,
    `- **central**: one request, one reply; the index holds every (item, holder) entry, as Napster's did.`,
    `- **flooding**: Gnutella 0.4 on a random ${k}-regular graph (and ${s.floodDegrees.slice(1).join(", ") || "no other"}): Query flooded with TTL t, duplicates dropped (but sent and counted), one QueryHit per responder on the reverse path. Default TTL ${s.defaultFloodTtl} (Gnutella's).`,
    `- **supernode**: round(N / ${s.leavesPerSupernode + 1}) supernodes, each indexing ~${s.leavesPerSupernode} leaves' share lists; supernodes on a random ${s.supernodeDegree}-regular graph flood with TTL t (0 = own supernode only), one QueryHit per answering supernode. Default TTL ${s.defaultSupernodeTtl}.`,
    `- **chord**: ${s.chordBits}-bit identifiers, fingers, successor list r = ${s.chordSuccessors}; each (item, holder) pointer stored at successor(hash(item)) and its r − 1 next nodes. **Iterative** lookup: the originator contacts each node on the path itself.`,
    `- **hop** = one overlay request/response on the way to the first answer; **latency** = hops × ${s.rttMs} ms RTT (Chord under failures adds ${s.timeoutMs} ms per request to a failed node). For flooding and supernodes the first answer comes from the nearest responder.`,
    `- **messages** = every message sent for a query: requests, replies, duplicate Query copies, QueryHits per hop. **recall** = fraction of queries that found ≥ 1 holder. ` +
      `**state** = routing entries (neighbours, fingers, successors, the index's address) plus index entries kept for others, per node; the peers' own share lists are not counted. ` +
      `**busiest node load** = messages sent or received by the most loaded node over the run, divided by the number of queries; its **share** divides by all messages instead (1 = every message touches it).`,
    `- **bytes/query**: payload only, from the protocols' layouts (Gnutella 0.4 Query ${WIRE_BYTES.gnutellaQuery} B, QueryHit ${WIRE_BYTES.gnutellaQueryHit} B with one result, also used for supernodes; Chord message ${WIRE_BYTES.chordMessage} B); central = the representative reply below plus the request target. Floors, not measurements.`,
    "",
  );

  lines.push("### Per query, at the default settings", "");
  table(
    ["architecture", "N", "messages", "p99", "hops", "latency ms", "recall", "state mean", "state max", "busiest load", "busiest share", "bytes"],
    peers.flatMap((n) =>
      architectures
        .map((a) => headline(rows, a, n))
        .filter((r): r is SearchRow => r !== undefined)
        .map((r) => [
          `${NAMES[r.architecture]}${r.ttl !== null ? `, TTL ${r.ttl}` : ""}`,
          num(n, 0),
          num(r.messagesPerQuery, 1),
          num(r.messagesP99, 0),
          num(r.hopsMean, 2),
          num(r.latencyMs, 0),
          pct(r.recall),
          num(r.stateMean, 1),
          num(r.stateMax, 0),
          num(r.busiestNodeLoad, 3),
          pct(r.busiestNodeShare),
          num(r.bytesPerQuery, 0),
        ]),
    ),
  );

  lines.push(`### TTL sweep at N = ${num(sweepN, 0)}`, "");
  table(
    ["architecture", "TTL", "messages", "p99", "hops", "recall", "busiest share"],
    rows
      .filter((r) => r.peers === sweepN && r.ttl !== null)
      .map((r) => [
        r.architecture === "flooding" ? `flooding k = ${r.degree}` : `supernodes (${r.supernodes}, degree ${r.degree})`,
        r.ttl!,
        num(r.messagesPerQuery, 1),
        num(r.messagesP99, 0),
        num(r.hopsMean, 2),
        pct(r.recall),
        pct(r.busiestNodeShare, 2),
      ]),
  );

  const churn = rows.filter((r) => r.churn !== null);
  if (churn.length > 0) {
    lines.push("### Chord with failed nodes, nothing repaired", "");
    lines.push(
      "A fraction of the nodes fails at once; fingers and successor lists still name them. Uniform random keys from live origins " +
        "(as the Chord paper's failure experiments). *failed* = the lookup could not reach the first live node at or after the key " +
        "(with pointers on r nodes, reaching it also finds them); *slower* = found, but later than the same lookup on the intact ring.",
      "",
    );
    table(
      ["N", "failed nodes", "r", "failed lookups", "slower", "timeouts/lookup", "hops", "latency ms", "messages"],
      churn.map((r) => [num(r.peers, 0), pct(r.churn, 0), r.successors!, pct(1 - r.recall), pct(r.slowerFraction), num(r.timeoutsMean, 2), num(r.hopsMean, 2), num(r.latencyMs, 0), num(r.messagesPerQuery, 1)]),
    );
  }

  lines.push("### Simulation against theory", "");
  const centralConstant = rows.filter((r) => r.architecture === "central").every((r) => r.messagesPerQuery === 2 && r.hopsMean === 1 && r.recall === 1);
  lines.push(`- central: 2 messages and 1 hop at every N: **${centralConstant ? "holds" : "does not hold"}**.`);
  const floodRows = rows.filter((r) => r.architecture === "flooding" && r.peers === sweepN);
  if (floodRows.length > 0) {
    lines.push(
      `- flooding at N = ${num(sweepN, 0)}: Query messages against Σ_{i=1..t} k(k−1)^(i−1), capped at the saturated k + (k−1)(N−1). ` +
        "Below saturation a random regular graph is locally a tree, so only copies that land on an already reached node are missing (the unit tests bound that and check the exact identity messages = k + (k−1)·|ball(t−1)|).",
      "",
    );
    table(
      ["k", "TTL", "tree formula", "bound (capped)", "simulated", "simulated / bound"],
      floodRows.map((r) => {
        const bound = floodMessagesBound(r.degree!, r.peers, r.ttl!);
        return [r.degree!, r.ttl!, num(floodTreeMessages(r.degree!, r.ttl!), 0), num(bound, 0), num(r.queryMessages, 1), (r.queryMessages / bound).toFixed(3)];
      }),
    );
  }
  const chordRows = rows.filter((r) => r.architecture === "chord" && r.churn === null);
  lines.push(`- Chord: hops (nodes contacted, the answering one included) and the paper's path length (routing moves before it) against ½·log₂N.`, "");
  table(
    ["N", "½·log₂N", "hops", "hops / ½·log₂N", "path length"],
    chordRows.map((r) => [num(r.peers, 0), chordPathLength(r.peers).toFixed(2), num(r.hopsMean, 2), (r.hopsMean! / chordPathLength(r.peers)).toFixed(3), num(r.pathLengthMean, 2)]),
  );

  lines.push("### The real directory (measured, not simulated)", "");
  lines.push(
    `From ${m.source}, at ${num(m.entries, 0)} entries, server side: median over the ${m.queries.length} query types of their p50 ${num(m.medianP50Ms)} ms, worst p99 ${num(m.worstP99Ms)} ms ` +
      `(${m.worstP99Query}). A peer adds one RTT to the edge: **${num(m.latencyP50Ms, 0)} ms typical, ${num(m.latencyP99Ms, 0)} ms worst p99** at ${m.rttMs} ms RTT.`,
    "",
    `- **Bytes per query**: a ${m.replyHits}-hit \`/api/search\` reply in protocol/directory.ts's shape (bench-style names, magnets with a workers.dev tracker URL, a cursor) is ` +
      `**${num(m.replyBytes, 0)} B** of JSON, ${num(m.replyGzipBytes, 0)} B gzipped; the request carries \`${"GET "}/api/search?q=…\` (${m.requestTargetBytes} B for three words) plus headers. ` +
      "Computed from a representative reply (measured-directory.ts), not captured from a deployment.",
    `- **State at the edge**: ${num(m.entryBytes.asWritten, 0)} B per entry as written (${num(m.entryBytes.compacted, 0)} B compacted): full-text index ${m.entryBytes.breakdown.fullTextIndex} B, files ${m.entryBytes.breakdown.files} B, torrents row ${m.entryBytes.breakdown.torrents} B, its indexes ${m.entryBytes.breakdown.torrentIndexes} B, tags ${m.entryBytes.breakdown.tags} B; ` +
      `${m.entryBytes.rowsPerEntry} rows per entry plus one FTS5 row. Measured once on SQLite (${m.entryBytes.method}), not on D1, whose page fill and FTS5 merge state differ: approximate (our guess: within ±20 %). ` +
      `One 10 GB D1 database holds about **${num(m.entriesAtLimit / 1e6, 1)} M entries**.`,
    `- **Writes**: ${num(m.publishEntriesPerSecond, 0)} entries/s when published in share lists of 1,000, ${m.singlePublishesPerSecond} single-entry publishes/s (same bench).`,
    "",
  );

  const c = headline(rows, "central", largest);
  const f = headline(rows, "flooding", largest);
  const sn = headline(rows, "supernode", largest);
  const ch = headline(rows, "chord", largest);
  const dbTimes = m.queries.map((q) => q.dbP50Ms).filter((t) => t > 0);
  const dbRange = `${Math.min(...dbTimes)}–${Math.max(...dbTimes)} ms by query type`;
  const qpsRange = `${num(1000 / Math.max(...dbTimes), 0)}–${num(1000 / Math.min(...dbTimes), 0)}`;
  const churn10 = churn.find((r) => r.peers === sweepN && r.churn === 0.1 && r.successors === s.chordSuccessors);
  lines.push("### What this means for edgeswarm", "");
  if (c && f && sn && ch) {
    lines.push(
      `- **A central index at the edge is the cheapest way to find content.** At N = ${num(largest, 0)}: ${num(c.messagesPerQuery, 0)} messages and 1 RTT per query with recall 1, ` +
        `against ${num(f.messagesPerQuery, 0)} messages for flooding (k = ${f.degree}, TTL ${f.ttl}; recall ${pct(f.recall)}), ${num(sn.messagesPerQuery, 0)} for supernodes (TTL ${sn.ttl}; recall ${pct(sn.recall)}) ` +
        `and ${num(ch.messagesPerQuery, 1)} for Chord (${num(ch.hopsMean, 1)} hops ≈ ${num(ch.latencyMs, 0)} ms before the first byte of an answer, against ${num(m.latencyP50Ms, 0)} ms measured for the directory). ` +
        `The simulation matches items; in practice the index also ranks keyword matches over the whole catalogue, which Gnutella and KaZaA nodes could only do over what a flood reached, and Chord not at all (exact keys).`,
      `- **The price is state and load in one place.** The index holds all ${num(c.stateMax, 0)} (item, holder) entries at N = ${num(largest, 0)} and touches every message (busiest share ${pct(c.busiestNodeShare, 0)}), ` +
        `where a supernode holds ${num(sn.stateMax, 0)} and a flooding peer ${num(f.stateMax, 0)}. edgeswarm already splits this state: D1 keeps one row per torrent (O(catalogue)), ` +
        `and who holds it lives in the swarm's Durable Object (O(live peers), one object per torrent), so finding holders is 2 edge round trips (search, then announce) — still O(1).`,
      `- **Where it stops.** Storage: ~${num(m.entriesAtLimit / 1e6, 1)} M entries per 10 GB D1 database, after which the catalogue must be sharded over databases (by info-hash prefix for lookups; keyword search then fans out to every shard). ` +
        `Throughput: a D1 database runs one query at a time (D1 limits page), so at the measured D1 time per search (p50 ${dbRange}) it serves roughly ${qpsRange} searches/s before requests queue, and it took ${num(m.publishEntriesPerSecond, 0)} entries/s of publishing; read replicas or a cache in front help reads, not writes. ` +
        `Availability and control: one deployment, one account, one database — a single point of failure and of takedown, which no simulated architecture here has.`,
      `- **What a DHT would cost to add** (for lookups by info hash, e.g. as a fallback when the edge is unreachable): ${num(ch.messagesPerQuery, 1)} messages and ${num(ch.hopsMean, 1)} hops ≈ ${num(ch.latencyMs, 0)} ms per lookup at N = ${num(largest, 0)} (growing as ½·log₂N), ` +
        `${num(ch.stateMean, 0)} entries per node on average but ${num(ch.stateMax, 0)} pointers on the node responsible for the most popular item, and it needs repair: ` +
        (churn10
          ? `with ${pct(churn10.churn, 0)} of the nodes gone and nothing repaired, ${pct(1 - churn10.recall)} of lookups fail and ${pct(churn10.slowerFraction, 0)} take longer (r = ${churn10.successors}; ${num(churn10.timeoutsMean, 2)} timeouts per lookup). `
          : "") +
        "Stabilisation traffic (successor pings, finger refreshes) would be a constant background cost per node. A DHT finds exact keys only: keyword search needs an inverted index on top (a key per word), whose popular words concentrate on single nodes as the popular item does here.",
      `- **Flooding does not scale**: messages grow with the ball (k(k−1)^(t−1)) until the whole overlay is covered, and recall for rare items needs a large TTL; supernodes cut messages by ~${num(f.messagesPerQuery / Math.max(sn.messagesPerQuery, 1), 0)}× at N = ${num(largest, 0)} by indexing groups, which is a central index per group.`,
      "",
    );
  }

  if (plots.length > 0) {
    lines.push("### Plots", "");
    for (const p of plots.filter((name) => name.endsWith(".png"))) lines.push(`![${p.replace(/\.png$/, "")}](${p})`, "");
  }
  return lines.join("\n");
}
