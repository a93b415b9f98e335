// Short-lived TURN credentials in the TURN REST scheme (draft-uberti-behave-turn-rest-00) that coturn checks
// with `use-auth-secret` (issue 16). Layer: worker, pure: Web Crypto only, the clock is a parameter.
//
// username   = "<unix expiry>:<random id>"
// credential = base64(HMAC-SHA1(shared secret, username))
// The TURN server recomputes the credential from the username with the same secret and refuses it once the
// expiry has passed, so the worker and the TURN server share nothing at run time but the secret.

export const DEFAULT_TURN_TTL_SECONDS = 3_600;
/** Never longer than a day: a leaked credential must not outlive the day it was handed out. */
export const MAX_TURN_TTL_SECONDS = 86_400;
/** A credential must outlive ICE gathering and a client's refresh round trip; shorter settings are raised. */
export const MIN_TURN_TTL_SECONDS = 60;

/** The lifetime from the TURN_TTL_SECONDS setting: default 1 h, kept within [1 min, 24 h]. */
export function turnTtlSeconds(setting: string | undefined): number {
  const parsed = Number(setting);
  if (!setting?.trim() || !Number.isFinite(parsed) || parsed <= 0) return DEFAULT_TURN_TTL_SECONDS;
  return Math.min(MAX_TURN_TTL_SECONDS, Math.max(MIN_TURN_TTL_SECONDS, Math.floor(parsed)));
}

/** Splits the TURN_URLS setting (comma-separated) into the turn:/turns: URLs and the entries that are not. */
export function turnUrlsFrom(setting: string | undefined): { urls: string[]; rejected: string[] } {
  const urls: string[] = [];
  const rejected: string[] = [];
  for (const entry of (setting ?? "").split(",")) {
    const url = entry.trim();
    if (url === "") continue;
    // RFC 7065 URIs: turn:host[:port][?transport=udp|tcp], turns:… ; anything else is a settings mistake.
    if (/^turns?:[^\s?]+(\?transport=(udp|tcp))?$/i.test(url)) urls.push(url);
    else rejected.push(url);
  }
  return { urls, rejected };
}

export type TurnCredentials = {
  username: string;
  credential: string;
  /** Unix seconds after which the TURN server refuses the credential. */
  expiresAtSeconds: number;
};

/**
 * Mints one credential valid until `nowMs` + `ttlSeconds`. The random id gives every request its own username,
 * so the TURN server's per-user quotas and logs count peers, not the second their credentials were minted in.
 */
export async function mintTurnCredentials(options: {
  secret: string;
  ttlSeconds: number;
  nowMs: number;
  /** Default: 8 random bytes, hex. */
  id?: string;
}): Promise<TurnCredentials> {
  const expiresAtSeconds = Math.floor(options.nowMs / 1000) + options.ttlSeconds;
  const id = options.id ?? randomId();
  const username = id === "" ? String(expiresAtSeconds) : `${expiresAtSeconds}:${id}`;
  return { username, credential: await turnCredential(options.secret, username), expiresAtSeconds };
}

/** base64(HMAC-SHA1(secret, username)): what coturn computes for `use-auth-secret`. */
export async function turnCredential(secret: string, username: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(username)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
