// The self-hosted server's settings: wrangler.toml stays the one place for the defaults both hosts share
// ([vars], the [[ratelimits]] and which paths reach the app before static files), and the process environment
// overrides each setting by its name (PUBLISH_KEY, TRACKER_ACCESS, …), as `wrangler secret put` does on
// Cloudflare. The server's own: PORT, HOST, EDGESWARM_DB, EDGESWARM_PAGE_DIR, BEHIND_PROXY, and for capacity
// benchmarks only SOCKET_MESSAGES_PER_SECOND.
// Layer: adapter (reads text it is given; no runtime API).
import type { Env } from "../env";

type StringSettings = { [K in keyof Env as Exclude<Env[K], undefined> extends string ? K : never]-?: string };

/** Every string setting the app reads, by name: the compiler checks none is missing. */
const SETTING_NAMES = [
  "ANNOUNCE_INTERVAL_SECONDS",
  "MAX_PEERS_PER_SWARM",
  "MAX_SOCKETS_PER_ADDRESS",
  "USAGE_PROBE",
  "TRACKER_ACCESS",
  "STATS_ACTIVITY_SECONDS",
  "INFO_HASH_ALLOW",
  "INFO_HASH_DENY",
  "LAB_KEY",
  "ICE_SERVERS",
  "TURN_SECRET",
  "TURN_URLS",
  "TURN_TTL_SECONDS",
  "PUBLISH_KEY",
  "TRACKER_PRIVATE",
  "ADMIN_KEY",
  "ALLOWED_ORIGINS",
  "TRUST_IP_PARAM",
  "WEB_SEED_MAX_BYTES",
] as const satisfies readonly (keyof StringSettings)[];
type Unlisted = Exclude<keyof StringSettings, (typeof SETTING_NAMES)[number]>;
const everySettingListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everySettingListed;

export type RateLimitSetting = { limit: number; periodSeconds: number };

export type ServerSettings = {
  hostname: string;
  port: number;
  /** The directory's SQLite file. */
  dbPath: string;
  /** The built page (npm run build:page); null = the repository's dist/page. */
  pageDir: string | null;
  /**
   * Behind a TLS proxy that sets X-Forwarded-For and X-Forwarded-Proto (Caddy, nginx): the client's address and
   * the public scheme (wss:// in magnet links) come from them. Never without such a proxy: clients could claim any.
   */
  behindProxy: boolean;
  /** Messages per second per tracker socket (burst 3×); null = README "Tracker limits". */
  messagesPerSecond: number | null;
  vars: Partial<StringSettings>;
  rateLimits: Record<string, RateLimitSetting>;
  /** Paths the app answers before static files (wrangler.toml `[assets] run_worker_first`). */
  appFirst: string[];
};

/** The sections of wrangler.toml the server shares; a deliberately small reader for that file's own layout. */
export function readWranglerToml(text: string): Pick<ServerSettings, "vars" | "rateLimits" | "appFirst"> {
  const vars: Record<string, string> = {};
  const rateLimits: Record<string, RateLimitSetting> = {};
  let appFirst: string[] = [];
  let section = "";
  let limiterName: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[\[?([\w.]+)\]\]?$/.exec(line);
    if (header) {
      section = header[1]!;
      limiterName = null;
      continue;
    }
    const pair = /^([\w.]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair as unknown as [string, string, string];
    if (section === "vars") {
      const text = /^"((?:[^"\\]|\\.)*)"/.exec(value);
      if (text) vars[key] = JSON.parse(`"${text[1]}"`) as string;
    } else if (section === "ratelimits" && key === "name") {
      limiterName = JSON.parse(value.replace(/\s*#.*$/, "")) as string;
    } else if (section === "ratelimits" && key === "simple" && limiterName) {
      const limit = /limit\s*=\s*(\d+)/.exec(value);
      const period = /period\s*=\s*(\d+)/.exec(value);
      if (limit && period) rateLimits[limiterName] = { limit: Number(limit[1]), periodSeconds: Number(period[1]) };
    } else if (section === "assets" && key === "run_worker_first") {
      appFirst = JSON.parse(value.replace(/\s*#.*$/, "")) as string[];
    }
  }
  return { vars, rateLimits, appFirst };
}

/** wrangler.toml's defaults with the environment's overrides. */
export function serverSettings(toml: string, env: (name: string) => string | undefined): ServerSettings {
  const shared = readWranglerToml(toml);
  const vars: Partial<StringSettings> = { ...shared.vars };
  for (const name of SETTING_NAMES) {
    const value = env(name);
    if (value !== undefined) vars[name] = value;
  }
  const port = Number(env("PORT") ?? "8787");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env("PORT")}"`);
  return {
    hostname: env("HOST") ?? "127.0.0.1",
    port,
    dbPath: env("EDGESWARM_DB") ?? "./edgeswarm.sqlite",
    pageDir: env("EDGESWARM_PAGE_DIR") ?? null,
    behindProxy: env("BEHIND_PROXY") === "1",
    messagesPerSecond: positive(env("SOCKET_MESSAGES_PER_SECOND"), "SOCKET_MESSAGES_PER_SECOND"),
    vars,
    rateLimits: shared.rateLimits,
    appFirst: shared.appFirst,
  };
}

function positive(text: string | undefined, name: string): number | null {
  if (text === undefined || text.trim() === "") return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${text}"`);
  return n;
}
