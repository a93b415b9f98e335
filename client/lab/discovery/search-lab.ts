// `npm run lab -- --search`: runs the search simulations and writes search.json, search.csv, search.md and
// the plots. Needs no server. Layer: client/lab (Node entry point: files, clock, zlib).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { writePlot } from "../plots";
import { labEnvironment } from "../environment";
import { seededRandom } from "../sim/random";
import { DEFAULT_SEARCH_LAB, runSearchLab, type SearchLabConfig } from "./experiment";
import { measuredDirectorySummary, REPRESENTATIVE_REQUEST_TARGET, replyBytes, representativeSearchReply } from "./measured-directory";
import { busiestLoadSpec, chordChurnSpec, chordHopsSpec, latencyVsPeersSpec, messagesVsPeersSpec, recallVsTtlSpec } from "./plots";
import { renderSearchReport, toSearchCsv, type SearchLabResults } from "./report";

export type SearchLabOptions = { out: string; seed: number; peers?: number[] };

export async function runSearchLabCommand(options: SearchLabOptions): Promise<void> {
  const started = Date.now();
  const out = path.resolve(options.out);
  await mkdir(out, { recursive: true });

  const reply = representativeSearchReply(20, seededRandom(options.seed));
  const replyJson = JSON.stringify(reply);
  const settings: SearchLabConfig = {
    ...DEFAULT_SEARCH_LAB,
    peers: options.peers ?? DEFAULT_SEARCH_LAB.peers,
    seed: options.seed,
    centralReplyBytes: replyBytes(reply),
    centralRequestBytes: REPRESENTATIVE_REQUEST_TARGET.length,
  };
  const log = (line: string) => process.stderr.write(`${line} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  const rows = runSearchLab(settings, log);
  const measuredDirectory = measuredDirectorySummary(settings.rttMs, { hits: reply.hits.length, bytes: settings.centralReplyBytes, gzipBytes: gzipSync(replyJson).length });

  const sweepN = settings.peers.includes(10_000) ? 10_000 : Math.max(...settings.peers);
  const churnN = settings.churnPeers.filter((n) => settings.peers.includes(n)).pop();
  const plots: string[] = [];
  plots.push(...(await writePlot(out, "search-messages-vs-peers", messagesVsPeersSpec(rows))));
  plots.push(...(await writePlot(out, "search-recall-vs-ttl", recallVsTtlSpec(rows, sweepN))));
  plots.push(...(await writePlot(out, "search-chord-hops", chordHopsSpec(rows))));
  plots.push(...(await writePlot(out, "search-latency-vs-peers", latencyVsPeersSpec(rows, measuredDirectory))));
  plots.push(...(await writePlot(out, "search-busiest-node", busiestLoadSpec(rows))));
  if (churnN !== undefined) plots.push(...(await writePlot(out, "search-chord-churn", chordChurnSpec(rows, churnN))));

  const results: SearchLabResults = {
    settings,
    environment: labEnvironment(started),
    measuredDirectory,
    rows,
  };
  // six significant digits are far below the sampling noise of 1,000 queries and keep the file small
  const round = (_key: string, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);
  await writeFile(path.join(out, "search.json"), JSON.stringify(results, round, 1) + "\n");
  await writeFile(path.join(out, "search.csv"), toSearchCsv(rows));
  await writeFile(path.join(out, "search.md"), renderSearchReport(results, plots));
  process.stdout.write(
    `lab: wrote ${path.relative(process.cwd(), out) || "."}/search.md, search.json, search.csv and ${plots.length} plot files (${rows.length} rows, ${results.environment.durationSeconds.toFixed(1)} s)\n`,
  );
}
