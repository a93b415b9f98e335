// One torrent: what the directory says about it, the download (progress, speeds, peers, time left, pause and
// resume), the piece map with each piece's rarity in the swarm, the files to choose, save or preview, the
// trackers it names, and the links (and a QR code) to share it. Layer: client/web.
import { renderSVG } from "uqr";
import type { TorrentDetails } from "../../../protocol/directory";
import type { App, Held, Pending } from "../app";
import type { BrowserFile, BrowserTorrent } from "../browser-peer";
import { EdgeswarmError, visibleText } from "../../lib/browser";
import { copyText, h, replace, setText } from "../dom";
import { formatAge, formatBytes, formatDuration, formatPercent, formatSpeed, plural } from "../format";
import { PIECE_CLASS_LABELS, drawPieceMap, pieceAvailability, summarize, type PieceClass } from "../piece-map";

/** Saving through a Blob holds the file in memory; past this the page says so first. */
const BLOB_SAVE_WARN_BYTES = 512 * 1024 * 1024;

type FileRow = { element: HTMLElement; progress: HTMLProgressElement; state: HTMLElement; save: HTMLAnchorElement; preview: HTMLButtonElement | null; file: BrowserFile };
type FileEntry = { path: string; length: number };

export class TorrentView {
  private infoHash: string | null = null;
  private details: TorrentDetails | null = null;
  private fileRows: FileRow[] = [];
  private live: {
    progress: HTMLProgressElement;
    progressText: HTMLElement;
    downloaded: HTMLElement;
    down: HTMLElement;
    up: HTMLElement;
    peers: HTMLElement;
    eta: HTMLElement;
    sequential: HTMLInputElement;
    canvas: HTMLCanvasElement;
    summary: HTMLElement;
    edge: HTMLElement;
    counts: Map<PieceClass, HTMLElement>;
  } | null = null;
  /** What the current rendering was made from; a change re-renders (see keyOf). */
  private renderedKey = "";
  /** Files chosen before the download starts (0-based; null = all). */
  private choice: number[] | null = null;
  private previewUrl: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly app: App,
  ) {
    app.onChange(() => {
      if (this.infoHash && !this.root.hidden && this.keyNow() !== this.renderedKey) this.render();
    });
  }

  async show(infoHash: string): Promise<void> {
    if (this.infoHash !== infoHash) {
      this.clearPreview();
      this.infoHash = infoHash;
      this.details = null;
      this.choice = null;
      this.renderedKey = "";
      delete this.root.dataset.done;
      this.root.hidden = false;
      replace(this.root, h("a", { href: "#", class: "back" }, "← Search"), h("h2", { id: "torrent-heading", "data-testid": "torrent-name" }, "Loading…"));
      const held = this.app.held.get(infoHash);
      try {
        this.details = held?.details ?? (await this.app.api.details(infoHash));
      } catch (error) {
        this.details = null;
        if (!(error instanceof EdgeswarmError)) throw error;
      }
      if (this.infoHash !== infoHash) return;
      this.render();
    }
    this.root.hidden = false;
    (this.root.querySelector("h2") as HTMLElement | null)?.focus();
  }

  hide(): void {
    this.root.hidden = true;
    this.infoHash = null;
    this.renderedKey = "";
    this.live = null;
    delete this.root.dataset.done;
    this.clearPreview();
  }

  /** Periodic refresh of the live numbers and the piece map. */
  update(): void {
    if (!this.infoHash || this.root.hidden) return;
    const held = this.app.held.get(this.infoHash);
    if (!held || !this.live) return;
    const t = held.torrent;
    const live = this.live;
    const length = t.length || this.details?.size || 0;
    const progress = t.destroyed ? 0 : this.app.progress(held);
    const complete = this.app.complete(held);
    live.progress.value = progress;
    const finding = t.ready ? formatPercent(progress) : t.pieces?.length ? "Checking stored pieces…" : "Finding peers…";
    setText(
      live.progressText,
      held.error ? `Stopped: ${held.error}` : complete ? (held.role === "seed" ? "Seeding" : "Done · seeding") : held.paused ? `Paused at ${formatPercent(progress)}` : finding,
    );
    const wanted = held.selection && t.ready ? `${formatBytes(progress * selectedLength(t, held.selection))} of ${formatBytes(selectedLength(t, held.selection))} chosen` : `${formatBytes(Math.min(t.downloaded, length))} of ${formatBytes(length)}`;
    setText(live.downloaded, wanted);
    // WebTorrent's speed meters average over seconds, so they would still show a decaying rate after a pause
    // that stopped all traffic at once.
    const idle = held.paused || t.destroyed;
    setText(live.down, formatSpeed(idle ? 0 : t.downloadSpeed));
    setText(live.up, formatSpeed(idle ? 0 : t.uploadSpeed));
    setText(live.peers, String(t.numPeers));
    setText(live.eta, complete || held.paused ? "—" : formatDuration(t.timeRemaining));
    live.sequential.checked = t.strategy === "sequential";
    this.root.dataset.done = String(complete);
    // For scripts and tests: what this tab received (peers and web seeds) and what it found stored.
    this.root.dataset.received = String(t.received - held.receivedAtStart);
    this.root.dataset.paused = String(held.paused);
    if (held.webSeed) {
      const stats = held.webSeed.stats();
      this.root.dataset.edgeBytes = String(stats.edgeBytes);
      setText(live.edge, `${formatBytes(stats.edgeBytes)} from the edge, ${formatBytes(stats.peerBytes)} from peers${stats.active ? " · the edge is helping" : ""}`);
    }
    if (held.resumedPieces !== null) this.root.dataset.resumedPieces = String(held.resumedPieces);

    const pieceCount = t.pieces?.length ?? 0;
    if (pieceCount > 0 && t.bitfield) {
      const availability = pieceAvailability(pieceCount, t.wires.map((wire) => wire.peerPieces));
      drawPieceMap(live.canvas, pieceCount, t.bitfield, availability);
      const summary = summarize(pieceCount, t.bitfield, availability);
      for (const [cls, element] of live.counts) setText(element, String(summary[cls]));
      const text = `${summary.held} of ${plural(pieceCount, "piece")} held; missing pieces: ${summary.rare} on one peer, ${summary.uncommon} on two, ${summary.common} on three or more, ${summary.absent} on none.`;
      live.canvas.setAttribute("aria-label", `Piece map. ${text}`);
      // For scripts and tests: the counts behind the drawing.
      Object.assign(live.canvas.dataset, {
        totalPieces: String(pieceCount),
        heldPieces: String(summary.held),
        rarePieces: String(summary.rare),
        uncommonPieces: String(summary.uncommon),
        commonPieces: String(summary.common),
        absentPieces: String(summary.absent),
        peers: String(t.wires.length),
      });
      setText(live.summary, t.done ? `All ${plural(pieceCount, "piece")} held · ${plural(t.numPeers, "peer")} connected` : `${summary.held} of ${plural(pieceCount, "piece")} held · ${t.strategy === "rarest" ? "fetching rarest first" : "fetching in order"}`);
    }
    for (const row of this.fileRows) this.updateFile(row, t);
  }

  private render(): void {
    if (!this.infoHash) return;
    const hash = this.infoHash;
    const held = this.app.held.get(hash) ?? null;
    const pending = this.app.pending.get(hash) ?? null;
    const t = held?.torrent ?? null;
    this.renderedKey = this.keyNow();
    if (held?.details) this.details = held.details.files.length > 0 || !this.details ? held.details : { ...held.details, files: this.details.files };
    this.live = null;
    this.fileRows = [];
    const d = this.details;
    const record = this.app.library.get(hash) ?? null;
    // Names and paths come from strangers: control and direction characters are shown as codes (issue 10).
    const name = visibleText(
      (t?.name && t.name !== hash ? t.name : null) ?? d?.name ?? pending?.name ?? (record && record.name !== hash ? record.name : null) ?? `Torrent ${hash.slice(0, 12)}…`,
    );
    const size = t?.length || d?.size || pending?.meta?.length || record?.length;
    const meta = [
      size ? formatBytes(size) : null,
      d ? plural(d.file_count, "file") : t?.files.length ? plural(t.files.length, "file") : pending?.meta ? plural(pending.meta.files.length, "file") : null,
      d ? `shared ${formatAge(d.added, Date.now())}` : null,
      d ? `${plural(d.seeders, "seeder")}, ${plural(d.leechers, "leecher")} in the directory` : "not listed in the directory",
    ].filter(Boolean);

    const error = h("p", { class: "status error", role: "alert", "data-testid": "torrent-error", hidden: !held?.error });
    if (held?.error) error.textContent = held.error;
    const actions = h("div", { class: "actions" });
    if (!held && record) {
      // Kept from an earlier visit (paused, or stopped when the browser closed).
      actions.append(
        h("button", { type: "button", class: "button primary", "data-testid": "resume-button", onclick: () => void this.app.resume(hash, this.choice ?? record.selection).catch((e: unknown) => this.showError(error, e)) }, "Resume"),
        h("button", { type: "button", class: "button secondary", "data-testid": "forget-button", onclick: () => void this.app.forget(hash).catch((e: unknown) => this.showError(error, e)) }, "Delete stored data"),
      );
    } else if (!held) {
      const button = h("button", { type: "button", class: "button primary", "data-testid": "download-button" }, "Download");
      button.addEventListener("click", () => {
        button.disabled = true;
        setText(button, "Starting…");
        this.app.download(hash, d, { selection: this.choice }).catch((e: unknown) => {
          button.disabled = false;
          setText(button, "Download");
          error.hidden = false;
          setText(error, e instanceof Error ? e.message : String(e));
        });
      });
      actions.append(button);
    } else {
      if (held.role === "download" && !this.app.complete(held)) {
        actions.append(
          held.paused
            ? h("button", { type: "button", class: "button primary", "data-testid": "resume-button", onclick: () => void this.app.resume(hash) }, "Resume")
            : h("button", { type: "button", class: "button secondary", "data-testid": "pause-button", onclick: () => void this.app.pause(hash) }, "Pause"),
        );
      }
      actions.append(h("button", { type: "button", class: "button secondary", "data-testid": "remove-button", onclick: () => void this.app.remove(hash) }, held.role === "seed" ? "Stop sharing" : "Stop and delete"));
    }

    const children: Array<Node | null> = [
      h("a", { href: "#", class: "back" }, "← Search"),
      h("h2", { id: "torrent-heading", tabindex: "-1", "data-testid": "torrent-name" }, name),
      h("p", { class: "meta", "data-testid": "torrent-meta" }, meta.join(" · ")),
      d?.description ? h("p", { class: "description" }, d.description) : null,
      d?.tags.length ? h("p", { class: "tags" }, ...d.tags.map((tag) => h("span", { class: "tag" }, tag))) : null,
      actions,
      error,
    ];
    if (held?.resumedPieces) {
      children.push(h("p", { class: "status", "data-testid": "resumed" }, `Resumed: ${plural(held.resumedPieces, "piece")} were already stored and match their hashes.`));
    }
    if (t) children.push(this.renderLive(t));
    children.push(this.renderFiles(held, pending, d, record?.selection ?? null));
    children.push(this.renderTrackers(hash, held, pending));
    children.push(h("div", { class: "preview", "data-testid": "preview", "aria-live": "polite" }));
    children.push(this.renderShare(hash));
    replace(this.root, ...children);
    this.update();
  }

  private renderLive(t: BrowserTorrent): HTMLElement {
    const progress = h("progress", { max: "1", value: "0", "data-testid": "progress", "aria-labelledby": "progress-label" });
    const progressText = h("span", { id: "progress-label", class: "progress-text", "data-testid": "progress-text" });
    const stat = (label: string, testid: string) => {
      const dd = h("dd", { "data-testid": testid });
      return { element: h("div", {}, h("dt", {}, label), dd), dd };
    };
    const downloaded = stat("Downloaded", "downloaded");
    const down = stat("Download speed", "download-speed");
    const up = stat("Upload speed", "upload-speed");
    const peers = stat("Peers", "peers");
    const eta = stat("Time left", "eta");
    const sequential = h("input", {
      type: "checkbox",
      id: "sequential-toggle",
      "data-testid": "sequential-toggle",
      onchange: (event: Event) => {
        // Read by webtorrent on every piece request, so the switch takes effect at once.
        t.strategy = (event.target as HTMLInputElement).checked ? "sequential" : "rarest";
        this.update();
      },
    });
    const canvas = h("canvas", { class: "piece-canvas", role: "img", "data-testid": "piece-map", "aria-label": "Piece map" });
    const counts = new Map<PieceClass, HTMLElement>();
    const legend = h(
      "ul",
      { class: "legend" },
      ...(Object.keys(PIECE_CLASS_LABELS) as PieceClass[]).map((cls) => {
        const count = h("span", { class: "legend-count" });
        counts.set(cls, count);
        return h("li", {}, h("span", { class: `swatch swatch-${cls}`, "aria-hidden": "true" }), `${PIECE_CLASS_LABELS[cls]} `, count);
      }),
    );
    const summary = h("p", { class: "piece-summary", "data-testid": "piece-summary" });
    const edge = h("p", { class: "muted small", "data-testid": "edge-share" });
    this.live = { progress, progressText, downloaded: downloaded.dd, down: down.dd, up: up.dd, peers: peers.dd, eta: eta.dd, sequential, canvas, summary, counts, edge };
    return h(
      "div",
      { class: "live" },
      h("div", { class: "progress-row" }, progress, progressText),
      h("dl", { class: "stats" }, downloaded.element, down.element, up.element, peers.element, eta.element),
      edge,
      h("figure", { class: "piece-map" }, h("figcaption", {}, h("span", { class: "figure-title" }, "Pieces"), summary), h("div", { class: "canvas-wrap" }, canvas), legend),
      h("label", { class: "toggle", for: "sequential-toggle" }, sequential, " Fetch pieces in order (for streaming); off: rarest first"),
    );
  }

  private renderFiles(held: Held | null, pending: Pending | null, d: TorrentDetails | null, kept: number[] | null): HTMLElement {
    const t = held?.torrent ?? null;
    const list = h("ul", { class: "files", "data-testid": "file-list" });
    const files: FileEntry[] = t && t.files.length > 0 ? t.files : (pending?.meta?.files ?? (d && d.files.length > 0 ? d.files : []));
    const chosen = held ? held.selection : (this.choice ?? kept);
    const summary = h("p", { class: "muted small", "data-testid": "selection-summary" });
    const describe = (selection: number[] | null) => {
      const picked = selection ?? files.map((_, i) => i);
      const bytes = picked.reduce((sum, i) => sum + (files[i]?.length ?? 0), 0);
      setText(summary, `${picked.length} of ${plural(files.length, "file")} chosen · ${formatBytes(bytes)}`);
    };
    // Before and during a download: only the checked files' pieces are fetched.
    const choose = (index: number, on: boolean) => {
      const current = (held ? held.selection : this.choice) ?? files.map((_, i) => i);
      const next = on ? [...new Set([...current, index])].sort((a, b) => a - b) : current.filter((i) => i !== index);
      const selection = next.length === files.length ? null : next;
      describe(selection);
      if (held) void this.app.choose(held.torrent.infoHash, selection);
      else this.choice = selection;
    };
    const checkbox = (index: number, path: string) =>
      files.length > 1
        ? h("input", {
            type: "checkbox",
            class: "file-check",
            "data-testid": "file-select",
            "aria-label": `Fetch ${path}`,
            checked: chosen === null || chosen.includes(index),
            disabled: held?.role === "seed",
            onchange: (event: Event) => choose(index, (event.target as HTMLInputElement).checked),
          })
        : null;
    if (t && t.files.length > 0) {
      t.files.forEach((file, index) => {
        const row = this.fileRow(file, checkbox(index, file.path));
        this.fileRows.push(row);
        list.append(row.element);
      });
    } else if (files.length > 0) {
      files.slice(0, 500).forEach((file, index) => {
        list.append(h("li", { class: "file", "data-testid": "file" }, checkbox(index, file.path), h("span", { class: "file-name" }, visibleText(file.path)), h("span", { class: "muted" }, formatBytes(file.length))));
      });
    } else if (t || pending) {
      list.append(h("li", { class: "muted" }, "The file list arrives with the metadata, from the first peer: choose files once the download has started."));
    }
    if (files.length > 1) describe(chosen);
    return h("section", { class: "files-section", "aria-labelledby": "files-heading" }, h("h3", { id: "files-heading" }, "Files"), files.length > 1 ? summary : null, list);
  }

  /** The trackers a magnet or .torrent named besides ours: WebSocket ones used (each removable), others ignored. */
  private renderTrackers(hash: string, held: Held | null, pending: Pending | null): HTMLElement | null {
    const trackers = held?.trackers ?? pending?.trackers;
    if (!trackers || (trackers.usable.length === 0 && trackers.ignored.length === 0)) return null;
    return h(
      "section",
      { class: "trackers", "aria-labelledby": "trackers-heading", "data-testid": "tracker-list" },
      h("h3", { id: "trackers-heading" }, "Trackers"),
      h("p", { class: "muted small" }, "Besides this site's own tracker, the link names these; each one learns that you share this torrent."),
      h(
        "ul",
        { class: "tracker-rows" },
        ...trackers.usable.map((url) =>
          h(
            "li",
            { class: "tracker", "data-testid": "tracker" },
            h("code", {}, url),
            h("button", { type: "button", class: "button small secondary", "data-testid": "remove-tracker", "aria-label": `Stop using ${url}`, onclick: () => void this.app.dropTracker(hash, url) }, "Remove"),
          ),
        ),
        ...trackers.ignored.map((url) => h("li", { class: "tracker ignored", "data-testid": "ignored-tracker" }, h("code", {}, url), h("span", { class: "muted small" }, " ignored: a browser can reach only WebSocket (ws/wss) trackers"))),
      ),
    );
  }

  private showError(element: HTMLElement, error: unknown): void {
    element.hidden = false;
    setText(element, error instanceof Error ? error.message : String(error));
  }

  /** What the rendering depends on beyond the live numbers. */
  private keyNow(): string {
    const hash = this.infoHash ?? "";
    const pending = this.app.pending.get(hash);
    const record = this.app.library.get(hash);
    const held = this.app.held.get(hash);
    // Completing the chosen files takes the Pause button away.
    return [keyOf(held), held && this.app.complete(held) ? "complete" : "", pending ? `p${pending.meta ? "m" : ""}${pending.trackers.usable.length}` : "", record ? `r${record.paused}` : ""].join("|");
  }

  private fileRow(file: BrowserFile, checkbox: HTMLInputElement | null): FileRow {
    const progress = h("progress", { max: "1", value: "0", "aria-label": `${file.path} progress` });
    const state = h("span", { class: "muted file-state" });
    // No `download` attribute: Chromium cancels a[download] saves that a service worker answers. A plain link is
    // a navigation the worker answers with Content-Disposition: attachment, which saves and leaves the page.
    const save = h("a", { class: "button small", "data-testid": "save-file", "aria-disabled": "true", "aria-label": `Save ${file.name}` }, "Save");
    save.addEventListener("click", (event) => {
      if (save.getAttribute("aria-disabled") === "true") return event.preventDefault();
      if (!this.app.streaming) {
        event.preventDefault();
        void this.saveThroughBlob(file);
      }
    });
    const previewable = /^(image|audio|video)\//.test(file.type);
    const preview = previewable ? h("button", { type: "button", class: "button small secondary", "data-testid": "preview-file", "aria-label": `Preview ${file.name}`, onclick: () => void this.preview(file) }, "Preview") : null;
    const element = h(
      "li",
      { class: "file", "data-testid": "file" },
      checkbox,
      h("span", { class: "file-name" }, visibleText(file.path)),
      h("span", { class: "file-meta" }, h("span", { class: "muted" }, formatBytes(file.length)), state),
      progress,
      h("span", { class: "file-actions" }, preview, save),
    );
    return { element, progress, state, save, preview, file };
  }

  private updateFile(row: FileRow, t: BrowserTorrent): void {
    const done = row.file.done || row.file.progress >= 1;
    row.progress.value = row.file.progress;
    setText(row.state, done ? "complete" : formatPercent(row.file.progress));
    const ready = done && !t.destroyed;
    if (ready && row.save.getAttribute("aria-disabled") === "true") {
      row.save.setAttribute("aria-disabled", "false");
      // The service worker streams the file out of the chunk store: no copy of it in memory.
      if (this.app.streaming) row.save.href = row.file.streamURL;
      else row.save.href = "#";
    }
  }

  private async saveThroughBlob(file: BrowserFile): Promise<void> {
    if (file.length > BLOB_SAVE_WARN_BYTES && !confirm(`This browser cannot stream the save, so ${formatBytes(file.length)} will be held in memory. Continue?`)) return;
    const url = URL.createObjectURL(await file.blob());
    const a = h("a", { href: url, download: file.name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  private async preview(file: BrowserFile): Promise<void> {
    const area = this.root.querySelector<HTMLElement>("[data-testid=preview]");
    if (!area) return;
    this.clearPreview();
    const kind = file.type.split("/")[0];
    let src: string;
    if (this.app.streaming) {
      // Streams through the service worker with range requests: playback starts before the download ends.
      src = file.streamURL;
    } else {
      this.previewUrl = URL.createObjectURL(await file.blob());
      src = this.previewUrl;
    }
    const media =
      kind === "image"
        ? h("img", { src, alt: `Preview of ${file.name}`, "data-testid": "preview-media" })
        : kind === "audio"
          ? h("audio", { src, controls: true, preload: "metadata", "aria-label": `Preview of ${file.name}`, "data-testid": "preview-media" })
          : h("video", { src, controls: true, playsinline: true, preload: "metadata", "aria-label": `Preview of ${file.name}`, "data-testid": "preview-media" });
    replace(area, h("p", { class: "preview-title" }, `Preview: ${visibleText(file.path)}`), media, h("button", { type: "button", class: "button small secondary", onclick: () => this.clearPreview() }, "Close preview"));
  }

  private clearPreview(): void {
    const area = this.root.querySelector<HTMLElement>("[data-testid=preview]");
    for (const media of Array.from(area?.querySelectorAll<HTMLMediaElement>("audio, video") ?? [])) {
      media.pause();
      media.removeAttribute("src");
      media.load();
    }
    area?.replaceChildren();
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = null;
  }

  private renderShare(hash: string): HTMLElement {
    const link = this.app.shareLink(hash);
    const magnet = this.app.magnetOf(hash);
    const magnetInput = h("input", { type: "text", readonly: true, value: magnet, "aria-label": "Magnet link", "data-testid": "torrent-magnet", onfocus: (event: FocusEvent) => (event.target as HTMLInputElement).select() });
    return h(
      "section",
      { class: "share-box", "aria-labelledby": "torrent-share-heading" },
      h("h3", { id: "torrent-share-heading" }, "Share"),
      h("div", { class: "share-link-row" }, h("span", { class: "label" }, "Link"), h("a", { href: link, class: "share-link", "data-testid": "torrent-share-link" }, link), h("button", { type: "button", class: "button small secondary", onclick: () => void copyText(link) }, "Copy")),
      h("div", { class: "share-link-row" }, h("span", { class: "label" }, "Magnet"), magnetInput, h("button", { type: "button", class: "button small secondary", onclick: () => void copyText(magnet, magnetInput) }, "Copy")),
      h("p", { class: "muted small" }, "Info hash ", h("code", {}, hash)),
      qrCode(link),
    );
  }
}


/** Torrent, file list, error, magnet, pause, trackers: what the rendering depends on beyond the live numbers. */
function keyOf(held: Held | undefined): string {
  if (!held) return "none";
  const t = held.torrent;
  return [
    t.infoHash,
    t.destroyed ? "gone" : "live",
    t.files.length,
    held.error ?? "",
    held.magnet ?? "",
    held.details ? "listed" : "",
    held.paused ? "paused" : "",
    held.resumedPieces ?? "",
    held.trackers.usable.length,
    t.ready && held.role === "download" && (held.selection ? "sel" : "all"),
  ].join("|");
}

function selectedLength(t: BrowserTorrent, selection: number[]): number {
  return selection.reduce((sum, i) => sum + (t.files[i]?.length ?? 0), 0);
}

/** The share link as a QR code (uqr renders SVG markup of its own, with no user text inside but the link). */
function qrCode(link: string): HTMLElement {
  const figure = h("figure", { class: "qr", "data-testid": "share-qr" });
  const svg = new DOMParser().parseFromString(renderSVG(link, { border: 2 }), "image/svg+xml").documentElement;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `QR code of ${link}`);
  figure.append(document.importNode(svg, true), h("figcaption", { class: "muted small" }, "Scan to open on a phone"));
  return figure;
}
