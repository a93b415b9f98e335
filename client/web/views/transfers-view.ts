// The torrents this tab holds (each with its progress and speeds, linking to its view) and the downloads kept
// for later in this browser (paused, or left by a closed tab), each to resume or delete. Layer: client/web.
import type { App } from "../app";
import { visibleText } from "../../lib/browser";
import { h, replace, setText } from "../dom";
import { formatBytes, formatPercent, formatSpeed, plural } from "../format";

type Row = { progress: HTMLProgressElement; status: HTMLElement; element: HTMLElement };

export class TransfersView {
  private readonly list: HTMLUListElement;
  private readonly library: HTMLUListElement;
  private readonly libraryHeading: HTMLElement;
  private readonly empty: HTMLElement;
  private rows = new Map<string, Row>();

  constructor(
    root: HTMLElement,
    private readonly app: App,
  ) {
    this.list = h("ul", { class: "transfers", "data-testid": "transfers" });
    this.empty = h("p", { class: "muted" }, "Nothing yet. Open a search result to download it, or share files.");
    this.library = h("ul", { class: "transfers", "data-testid": "library" });
    this.libraryHeading = h("h3", { id: "library-heading" }, "Library");
    replace(root, h("h2", { id: "transfers-heading" }, "In this tab"), this.empty, this.list, this.libraryHeading, this.library);
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
    const kept = [...this.app.library.values()].filter((r) => !this.app.held.has(r.infoHash));
    this.library.replaceChildren(
      ...kept.map((record) =>
        h(
          "li",
          { class: "transfer", "data-testid": "library-item", "data-info-hash": record.infoHash },
          h("a", { href: `#${record.infoHash}` }, h("span", { class: "role" }, "↓"), " ", record.name),
          h("span", { class: "muted small" }, `${record.paused ? "paused" : "waiting"} at ${formatPercent(record.progress)} of ${formatBytes(record.length)}`),
          h(
            "span",
            { class: "file-actions" },
            h("button", { type: "button", class: "button small", "data-testid": "library-resume", onclick: () => void this.app.resume(record.infoHash) }, "Resume"),
            h("button", { type: "button", class: "button small secondary", "data-testid": "library-delete", "aria-label": `Delete ${record.name}`, onclick: () => void this.app.forget(record.infoHash) }, "Delete"),
          ),
        ),
      ),
    );
    this.libraryHeading.hidden = kept.length === 0;
    this.library.hidden = kept.length === 0;
    this.update();
  }

  update(): void {
    for (const [hash, row] of this.rows) {
      const held = this.app.held.get(hash);
      if (!held) continue;
      const t = held.torrent;
      const progress = this.app.progress(held);
      row.progress.value = progress;
      const text = held.error
        ? `stopped: ${held.error}`
        : this.app.complete(held)
          ? `seeding · ${plural(t.numPeers, "peer")} · ↑ ${formatSpeed(t.uploadSpeed)}`
          : held.paused
            ? `paused at ${formatPercent(progress)}`
            : `${formatPercent(progress)} · ${plural(t.numPeers, "peer")} · ↓ ${formatSpeed(t.downloadSpeed)}`;
      setText(row.status, text);
    }
  }
}
