// The tracker's statistics as Prometheus text (`/metrics`) and as a page (`/stats`, in the page's style).
// Layer: pure (strings in, strings out).
import type { TrackerStats } from "../../protocol/tracker-stats";

/** Prometheus text exposition format 0.0.4; every sample a gauge (rates are rates over a window, not counters). */
export function metricsText(stats: TrackerStats): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, samples: [labels: Record<string, string>, value: number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
        .join(",");
      out.push(`${name}${text ? `{${text}}` : ""} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  const p = stats.peers;
  gauge("edgeswarm_swarms", "Swarms with at least one peer.", [[{}, stats.swarms]]);
  gauge("edgeswarm_torrents_listed", "Torrents listed in the directory.", [[{}, stats.torrents_listed]]);
  gauge("edgeswarm_peers", "Peers by transport and role.", [
    [{ transport: "webrtc", role: "seeder" }, p.webrtc.seeders],
    [{ transport: "webrtc", role: "leecher" }, p.webrtc.leechers],
    [{ transport: "http", role: "seeder" }, p.http.seeders],
    [{ transport: "http", role: "leecher" }, p.http.leechers],
  ]);
  gauge("edgeswarm_client_peers", "Peers by client software (peer-id prefix).", stats.clients.map((c) => [{ client: c.client }, c.peers]));
  const a = stats.activity;
  gauge("edgeswarm_announces_per_second", `Announces per second (swarms reporting within ${stats.activity_window_seconds} s).`, [[{}, a.announces_per_second]]);
  gauge("edgeswarm_offers_relayed_per_second", "WebRTC offers relayed per second.", [[{}, a.offers_relayed_per_second]]);
  gauge("edgeswarm_answers_relayed_per_second", "WebRTC answers relayed per second.", [[{}, a.answers_relayed_per_second]]);
  gauge("edgeswarm_refusals_per_second", "Announces and answers refused per second, by reason.", a.refusals_per_second.map((r) => [{ reason: r.reason }, r.per_second]));
  return `${out.join("\n")}\n`;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const number = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 }));

/** The stats page: the same numbers as /stats.json, refreshed every 30 s, styled by the page's stylesheet. */
export function statsPage(stats: TrackerStats): string {
  const p = stats.peers;
  const a = stats.activity;
  const tile = (label: string, value: string, id: string) => `<div><dt>${label}</dt><dd data-testid="${id}">${value}</dd></div>`;
  const rows = (items: [string, string][], empty: string) =>
    items.length === 0 ? `<tr><td colspan="2">${empty}</td></tr>` : items.map(([k, v]) => `<tr><th scope="row">${escape(k)}</th><td>${v}</td></tr>`).join("");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <meta http-equiv="refresh" content="30" />
    <title>Tracker statistics — edgeswarm</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="/styles.css" />
  </head>
  <body>
    <header class="site-header">
      <a class="brand" href="/">edgeswarm</a>
      <p class="tagline">Tracker statistics, from what every swarm last reported. <a href="/stats.json">JSON</a> · <a href="/metrics">Prometheus</a></p>
    </header>
    <main id="main" class="layout stats-layout">
      <section class="card" aria-labelledby="swarms-heading">
        <h2 id="swarms-heading">Swarms and peers</h2>
        <dl class="stats">
          ${tile("Swarms", number(stats.swarms), "stat-swarms")}
          ${tile("Peers", number(p.total), "stat-peers")}
          ${tile("Seeders", number(p.seeders), "stat-seeders")}
          ${tile("Leechers", number(p.leechers), "stat-leechers")}
          ${tile("Listed torrents", number(stats.torrents_listed), "stat-listed")}
        </dl>
        <table class="stats-table" data-testid="transports">
          <caption>By transport</caption>
          <thead><tr><th scope="col">Transport</th><th scope="col">Seeders</th><th scope="col">Leechers</th></tr></thead>
          <tbody>
            <tr><th scope="row">WebRTC (browsers, WebTorrent)</th><td>${number(p.webrtc.seeders)}</td><td>${number(p.webrtc.leechers)}</td></tr>
            <tr><th scope="row">HTTP (desktop clients)</th><td>${number(p.http.seeders)}</td><td>${number(p.http.leechers)}</td></tr>
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="clients-heading">
        <h2 id="clients-heading">Clients</h2>
        <table class="stats-table" data-testid="clients"><tbody>${rows(stats.clients.map((c) => [c.client, number(c.peers)]), "No peers.")}</tbody></table>
      </section>
      <section class="card" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Activity per second</h2>
        <p class="hint">Over the swarms that reported in the last ${number(stats.activity_window_seconds)} s.</p>
        <table class="stats-table" data-testid="activity"><tbody>${rows(
          [
            ["Announces", number(a.announces_per_second)],
            ["Offers relayed", number(a.offers_relayed_per_second)],
            ["Answers relayed", number(a.answers_relayed_per_second)],
            ...a.refusals_per_second.map((r): [string, string] => [`Refused: ${r.reason}`, number(r.per_second)]),
          ],
          "Nothing yet.",
        )}</tbody></table>
      </section>
    </main>
    <footer class="site-footer"><p>Generated ${escape(stats.generated)}.</p></footer>
  </body>
</html>
`;
}
