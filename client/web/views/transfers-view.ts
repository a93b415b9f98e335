// The torrents this tab holds: each with its progress and speeds, linking to its view. Layer: client/web.
import type { App } from "../app";
import { visibleText } from "../../lib/browser";
import { h, replace, setText } from "../dom";
import { formatPercent, formatSpeed, plural } from "../format";

type Row = { progress: HTMLProgressElement; status: HTMLElement; element: HTMLElement };

export class TransfersView {
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private rows = new Map<string, Row>();

  constructor(
    root: HTMLElement,
    private readonly app: App,
  ) {
    this.list = h("ul", { class: "transfers", "data-testid": "transfers" });
    this.empty = h("p", { class: "muted" }, "Nothing yet. Open a search result to download it, or share files.");
    replace(root, h("h2", { id: "transfers-heading" }, "In this tab"), this.empty, this.list);
    app.onChange(() => this.render());
  }

  private render(): void {
    this.rows.clear();
    const rows: HTMLElement[] = [];
    for (const [hash, held] of this.app.held) {
      const progress = h("progress", { max: "1", value: "0", "aria-label": `${held.torrent.name || hash} progress` });
      const status = h("span", { class: "muted small" });
      const element = h(
        "li",
        { class: "transfer", "data-testid": "transfer", "data-info-hash": hash },
        h("a", { href: `#${hash}` }, h("span", { class: "role" }, held.role === "seed" ? "↑" : "↓"), " ", held.torrent.name && held.torrent.name !== hash ? visibleText(held.torrent.name) : `${hash.slice(0, 12)}…`),
        progress,
        status,
      );
      this.rows.set(hash, { progress, status, element });
      rows.push(element);
    }
    this.list.replaceChildren(...rows);
    this.empty.hidden = rows.length > 0;
    this.update();
  }

  update(): void {
    for (const [hash, row] of this.rows) {
      const held = this.app.held.get(hash);
      if (!held) continue;
      const t = held.torrent;
      row.progress.value = t.progress || 0;
      const text = held.error
        ? `stopped: ${held.error}`
        : t.done
          ? `seeding · ${plural(t.numPeers, "peer")} · ↑ ${formatSpeed(t.uploadSpeed)}`
          : `${formatPercent(t.progress || 0)} · ${plural(t.numPeers, "peer")} · ↓ ${formatSpeed(t.downloadSpeed)}`;
      setText(row.status, text);
    }
  }
}
