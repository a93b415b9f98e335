// Open anything: paste a magnet link, an info hash or a share link, or drop (or pick) a .torrent file. A
// magnet goes into the page's fragment (`#magnet:?…`), so the address bar can be shared and reloaded; a
// .torrent is read here, so its files can be chosen before anything is stored. Layer: client/web.
import { readTorrentMeta } from "../../lib/browser";
import type { App } from "../app";
import { h, replace, setText } from "../dom";
import { openableFromText, routeFor } from "../links";

/** A .torrent larger than this is not a .torrent anyone makes (the directory takes 1 MiB). */
const MAX_TORRENT_BYTES = 8 * 1024 * 1024;

export class OpenView {
  private readonly status: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly app: App,
  ) {
    const input = h("input", {
      id: "open-input",
      type: "text",
      placeholder: "magnet:?xt=urn:btih:…, an info hash or a share link",
      autocomplete: "off",
      spellcheck: "false",
      "data-testid": "open-input",
    });
    const form = h(
      "form",
      { class: "open-form", "data-testid": "open-form" },
      h("label", { for: "open-input", class: "visually-hidden" }, "Magnet link, info hash or share link"),
      input,
      h("button", { type: "submit", class: "button primary", "data-testid": "open-button" }, "Open"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const openable = openableFromText(input.value);
      if ("error" in openable) return this.say(openable.error, true);
      this.say("");
      input.value = "";
      location.hash = routeFor(openable);
    });
    const picker = h("input", {
      id: "torrent-input",
      type: "file",
      accept: ".torrent,application/x-bittorrent",
      class: "visually-hidden",
      "data-testid": "torrent-input",
      onchange: (event: Event) => {
        const file = (event.target as HTMLInputElement).files?.[0];
        (event.target as HTMLInputElement).value = "";
        if (file) void this.openTorrentFile(file);
      },
    });
    const zone = h(
      "div",
      { class: "torrent-drop", "data-testid": "torrent-drop" },
      h("span", {}, "Drop a .torrent here or "),
      picker,
      h("label", { for: "torrent-input", class: "button small secondary" }, "pick one"),
    );
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      const file = event.dataTransfer?.files[0];
      if (file) void this.openTorrentFile(file);
    });
    this.status = h("p", { class: "status", role: "status", "aria-live": "polite", "data-testid": "open-status" });
    replace(root, h("h2", { id: "open-heading" }, "Open a torrent"), form, zone, this.status);
  }

  private async openTorrentFile(file: File): Promise<void> {
    if (file.size > MAX_TORRENT_BYTES) return this.say(`${file.name} is too large for a .torrent file`, true);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const meta = await readTorrentMeta(bytes);
      this.app.setPending(meta.infoHash, { torrentId: bytes, magnet: null, meta });
      this.say("");
      location.hash = `#${meta.infoHash}`;
    } catch (error) {
      this.say(`${file.name}: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  }

  private say(message: string, isError = false): void {
    this.status.classList.toggle("error", isError);
    setText(this.status, message);
  }
}
