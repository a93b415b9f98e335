// Speed limits for the whole tab (WebTorrent's client-wide throttles), kept across visits. Layer: client/web.
import type { BrowserClient } from "../browser-peer";
import { h, replace, setText } from "../dom";
import { formatSpeed } from "../format";

const KEY = "edgeswarm:limits";
type Limits = { down: number | null; up: number | null };

/** KiB/s as typed: empty or 0 = no limit. */
function parseKiB(text: string): number | null | "bad" {
  const value = text.trim();
  if (value === "" || value === "0") return null;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1024) : "bad";
}

export function loadLimits(): Limits {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Limits>;
    return { down: saved.down ?? null, up: saved.up ?? null };
  } catch {
    return { down: null, up: null };
  }
}

/** -1 switches a WebTorrent throttle off. */
export function applyLimits(client: BrowserClient, limits: Limits): void {
  (client as unknown as { throttleDownload(rate: number): void }).throttleDownload(limits.down ?? -1);
  (client as unknown as { throttleUpload(rate: number): void }).throttleUpload(limits.up ?? -1);
}

export class SettingsView {
  constructor(root: HTMLElement, client: BrowserClient) {
    const limits = loadLimits();
    applyLimits(client, limits);
    const field = (id: string, label: string, value: number | null) => {
      const input = h("input", { id, type: "number", min: "0", step: "1", inputmode: "numeric", placeholder: "no limit", "data-testid": id, value: value === null ? "" : String(value / 1024) });
      return { input, element: h("div", { class: "field inline" }, h("label", { for: id }, label), input, h("span", { class: "muted small" }, "KiB/s")) };
    };
    const down = field("download-limit", "Download", limits.down);
    const up = field("upload-limit", "Upload", limits.up);
    const status = h("p", { class: "muted small", role: "status", "data-testid": "limits-status" });
    const describe = (l: Limits) =>
      setText(status, `Down ${l.down === null ? "unlimited" : formatSpeed(l.down)} · up ${l.up === null ? "unlimited" : formatSpeed(l.up)}`);
    const form = h("form", { class: "limits", "data-testid": "limits-form" }, down.element, up.element, h("button", { type: "submit", class: "button small", "data-testid": "apply-limits" }, "Apply"), status);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const d = parseKiB(down.input.value);
      const u = parseKiB(up.input.value);
      if (d === "bad" || u === "bad") return setText(status, "Limits are numbers of KiB/s (empty for none).");
      const next = { down: d, up: u };
      applyLimits(client, next);
      localStorage.setItem(KEY, JSON.stringify(next));
      describe(next);
    });
    describe(limits);
    replace(root, h("h2", { id: "settings-heading" }, "Speed limits"), form);
  }
}
