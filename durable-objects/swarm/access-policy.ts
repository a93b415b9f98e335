// Which torrents this tracker serves (README "Access control"): a deny-list (never), an allow-list (always),
// and a mode — every torrent ("open"), those listed in the directory ("listed"), or the allow-list alone
// ("allowlist"). Layer: pure logic (settings in, verdicts out).
import { isHexId } from "../../protocol/ids";

export type AccessMode = "open" | "listed" | "allowlist";

export type AccessPolicy = {
  mode: AccessMode;
  /** Always served (unless denied), whatever the mode. */
  allow: ReadonlySet<string>;
  /** Never served. */
  deny: ReadonlySet<string>;
};

export type AccessSettings = { TRACKER_ACCESS?: string; INFO_HASH_ALLOW?: string; INFO_HASH_DENY?: string };

/** Reads the settings; a malformed entry is ignored and reported, never turned into "serve everything". */
export function accessPolicy(settings: AccessSettings): { policy: AccessPolicy; problems: string[] } {
  const problems: string[] = [];
  const list = (name: string, text: string | undefined) => {
    const set = new Set<string>();
    for (const item of (text ?? "").split(/[\s,]+/).filter(Boolean)) {
      const hash = item.toLowerCase();
      if (isHexId(hash)) set.add(hash);
      else problems.push(`${name}: "${item}" is not a 40-hex info hash`);
    }
    return set;
  };
  const modeText = (settings.TRACKER_ACCESS ?? "open").trim().toLowerCase() || "open";
  let mode: AccessMode = "open";
  if (modeText === "listed" || modeText === "allowlist") mode = modeText;
  else if (modeText !== "open") {
    // A typo must fail closed, not open the tracker to every torrent.
    problems.push(`TRACKER_ACCESS: "${settings.TRACKER_ACCESS}" is not "open", "listed" or "allowlist"; serving "listed"`);
    mode = "listed";
  }
  const allow = list("INFO_HASH_ALLOW", settings.INFO_HASH_ALLOW);
  return { policy: { mode, allow, deny: list("INFO_HASH_DENY", settings.INFO_HASH_DENY) }, problems };
}

export type AccessVerdict = { kind: "serve" } | { kind: "refuse"; reason: string } | { kind: "ask-directory" };

/** What the policy says of a torrent without looking it up; "ask-directory" when its listing decides. */
export function accessVerdict(policy: AccessPolicy, infoHash: string): AccessVerdict {
  if (policy.deny.has(infoHash)) return { kind: "refuse", reason: "this torrent is not served by this tracker" };
  if (policy.allow.has(infoHash) || policy.mode === "open") return { kind: "serve" };
  if (policy.mode === "allowlist") return { kind: "refuse", reason: "this torrent is not on this tracker's allow-list" };
  return { kind: "ask-directory" };
}

export const NOT_LISTED = "this tracker serves only torrents listed in its directory";

/** Browser origins allowed to open tracker sockets; empty = any. Read from a comma- or space-separated list. */
export function allowedOrigins(setting: string | undefined): ReadonlySet<string> {
  return new Set((setting ?? "").split(/[\s,]+/).filter(Boolean).map((o) => o.replace(/\/+$/, "").toLowerCase()));
}

/**
 * Whether a socket may connect from `origin` (its Origin header). Clients that are not browsers send none
 * and are not asked: an Origin check protects users' browsers from other sites, not the tracker from clients.
 */
export function originAllowed(allowed: ReadonlySet<string>, origin: string | null): boolean {
  return allowed.size === 0 || origin === null || allowed.has(origin.toLowerCase());
}
