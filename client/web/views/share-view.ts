// Share: drop or pick files or a folder; the page seeds them, publishes the torrent to the directory and shows
// its magnet and share link. Layer: client/web.
import type { App, Held } from "../app";
import { visibleText } from "../../lib/browser";
import { copyText, h, replace, setText } from "../dom";
import { formatBytes, formatPercent, formatSpeed, plural } from "../format";

/** Names operating systems leave in folders; create-torrent drops the same kind. */
const JUNK = /^(\.DS_Store|Thumbs\.db|desktop\.ini|\._.*|\.Spotlight-V100|\.Trashes)$/i;

type Item = { element: HTMLElement; status: HTMLElement; held: Held | null; update(): void };

export class ShareView {
  private readonly list: HTMLUListElement;
  private readonly tags: HTMLInputElement;
  private readonly key: HTMLInputElement;
  private readonly webSeed: HTMLInputElement;
  private readonly items: Item[] = [];

  constructor(
    root: HTMLElement,
    private readonly app: App,
  ) {
    const files = h("input", { id: "file-input", type: "file", multiple: true, class: "visually-hidden", "data-testid": "file-input", onchange: (event: Event) => this.picked(event.target as HTMLInputElement) });
    const folder = h("input", { id: "folder-input", type: "file", multiple: true, webkitdirectory: true, class: "visually-hidden", "data-testid": "folder-input", onchange: (event: Event) => this.picked(event.target as HTMLInputElement) });
    const zone = h(
      "div",
      { class: "dropzone", "data-testid": "drop-zone" },
      h("p", { class: "dropzone-title" }, "Drop files or a folder here"),
      h("p", { class: "dropzone-or" }, "or"),
      files,
      folder,
      h("div", { class: "dropzone-buttons" }, h("label", { for: "file-input", class: "button" }, "Choose files"), h("label", { for: "folder-input", class: "button secondary" }, "Choose a folder")),
    );
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer) void this.dropped(event.dataTransfer);
    });
    this.tags = h("input", { id: "share-tags", type: "text", placeholder: "e.g. music, cc-by", autocomplete: "off", "data-testid": "share-tags" });
    this.key = h("input", { id: "publish-key", type: "password", autocomplete: "off", "data-testid": "publish-key", value: localStorage.getItem("edgeswarm:publish-key") ?? "" });
    this.webSeed = h("input", { id: "web-seed-toggle", type: "checkbox", "data-testid": "web-seed-toggle" });
    this.list = h("ul", { class: "shared-list", "data-testid": "shared-list", "aria-live": "polite" });
    replace(
      root,
      h("h2", { id: "share-heading" }, "Share files"),
      h("p", { class: "hint" }, "Files stay on your device and are read in place; peers fetch them from this tab while it stays open."),
      zone,
      h("div", { class: "field" }, h("label", { for: "share-tags" }, "Tags ", h("span", { class: "optional" }, "(optional, comma-separated)")), this.tags),
      h("label", { class: "toggle", for: "web-seed-toggle" }, this.webSeed, " Also keep a copy at the edge: downloads use it only when peers cannot serve (web seed)"),
      h("details", { class: "field" }, h("summary", {}, "Publish key"), h("label", { for: "publish-key" }, "Key, if this directory requires one"), this.key),
      this.list,
    );
  }

  /** Refreshes the live numbers of every shared item. */
  update(): void {
    for (const item of this.items) item.update();
  }

  private picked(input: HTMLInputElement): void {
    const files = Array.from(input.files ?? []);
    for (const file of files) {
      // A folder pick gives relative paths; create-torrent reads `fullPath` (as drag-and-drop entries have it).
      const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
      if (relative) Object.defineProperty(file, "fullPath", { value: `/${relative}`, configurable: true });
    }
    input.value = "";
    void this.share(files);
  }

  private async dropped(transfer: DataTransfer): Promise<void> {
    // Entries must be taken synchronously: the DataTransfer empties once the event returns.
    const entries = Array.from(transfer.items).map((item) => item.webkitGetAsEntry?.()).filter((entry): entry is FileSystemEntry => !!entry);
    const files = entries.length > 0 ? (await Promise.all(entries.map(filesOf))).flat() : Array.from(transfer.files);
    await this.share(files);
  }

  private async share(picked: File[]): Promise<void> {
    const files = picked.filter((file) => !JUNK.test(file.name));
    if (files.length === 0) return;
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const title = files.length === 1 ? files[0]!.name : topFolder(files) ?? plural(files.length, "file");
    const status = h("p", { class: "status", "data-testid": "share-status" }, "Hashing… 0%");
    const element = h("li", { class: "shared", "data-testid": "shared-item" }, h("p", { class: "shared-name" }, h("strong", {}, title), " ", h("span", { class: "muted" }, formatBytes(total))), status);
    const item: Item = { element, status, held: null, update: () => undefined };
    this.items.unshift(item);
    this.list.prepend(element);
    const key = this.key.value.trim();
    if (key) localStorage.setItem("edgeswarm:publish-key", key);
    else localStorage.removeItem("edgeswarm:publish-key");
    try {
      const held = await this.app.seed(files, {
        tags: this.tags.value.split(/[\s,]+/).filter((tag) => tag !== ""),
        publishKey: key || undefined,
        onProgress: (hashed, all) => setText(status, `Hashing… ${formatPercent(all > 0 ? hashed / all : 1)}`),
        webSeed: this.webSeed.checked ? (sent, all) => setText(status, `Storing a copy at the edge… ${formatPercent(all > 0 ? sent / all : 1)}`) : undefined,
      });
      item.held = held;
      this.showShared(item, held);
    } catch (error) {
      status.classList.add("error");
      setText(status, `Could not share: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private showShared(item: Item, held: Held): void {
    const hash = held.torrent.infoHash;
    const link = this.app.shareLink(hash);
    const magnet = this.app.magnetOf(hash);
    const magnetInput = h("input", { type: "text", readonly: true, value: magnet, "data-testid": "magnet", "aria-label": "Magnet link", onfocus: (event: FocusEvent) => (event.target as HTMLInputElement).select() });
    const copied = h("span", { class: "copied", role: "status" });
    const copy = (text: string, input?: HTMLInputElement) => () =>
      void copyText(text, input).then((ok) => {
        setText(copied, ok ? "Copied" : "Select and copy");
        setTimeout(() => setText(copied, ""), 2000);
      });
    replace(
      item.element,
      h("p", { class: "shared-name" }, h("a", { href: `#${hash}` }, h("strong", {}, visibleText(held.torrent.name))), " ", h("span", { class: "muted" }, formatBytes(held.torrent.length))),
      item.status,
      held.error ? h("p", { class: "status error", role: "alert", "data-testid": "share-error" }, held.error) : null,
      h("div", { class: "share-link-row" }, h("span", { class: "label" }, "Share link"), h("a", { href: link, class: "share-link", "data-testid": "share-link" }, link), h("button", { type: "button", class: "button small secondary", onclick: copy(link) }, "Copy")),
      h("div", { class: "share-link-row" }, h("span", { class: "label" }, "Magnet"), magnetInput, h("button", { type: "button", class: "button small secondary", onclick: copy(magnet, magnetInput) }, "Copy")),
      copied,
    );
    item.update = () => {
      const t = held.torrent;
      if (t.destroyed) return setText(item.status, "Stopped.");
      const edge = held.details?.web_seed ? " · the edge keeps a copy" : "";
      setText(item.status, `Seeding to ${plural(t.numPeers, "peer")} · ↑ ${formatSpeed(t.uploadSpeed)} · ${formatBytes(t.uploaded)} sent${edge}`);
    };
    item.update();
  }
}

/** The files under a dropped entry, with `fullPath` set ("/folder/file") as create-torrent expects. */
async function filesOf(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    Object.defineProperty(file, "fullPath", { value: entry.fullPath, configurable: true });
    return [file];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries returns at most 100 entries per call; an empty batch ends the folder.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  children.sort((a, b) => a.name.localeCompare(b.name));
  return (await Promise.all(children.map(filesOf))).flat();
}

function topFolder(files: File[]): string | null {
  const first = (files[0] as File & { fullPath?: string }).fullPath?.split("/").filter(Boolean)[0];
  return first && files.every((f) => (f as File & { fullPath?: string }).fullPath?.startsWith(`/${first}/`)) ? first : null;
}
