// Human-readable sizes, speeds, durations, ages and percentages for every front end (CLI, page, lab). One
// implementation; each front end picks its placeholder for unknown values and its duration style.
// Layer: client/lib (pure, platform-neutral).

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export type ByteFormat = {
  /** Shown for what is not a size (NaN, negative, infinite). Default "?". */
  placeholder?: string;
  /** Drop trailing zeros ("2 MiB" rather than "2.00 MiB"), for settings rather than live figures. */
  trimZeros?: boolean;
};

/** 1536 → "1.50 KiB"; binary units, three significant digits above 1 KiB. */
export function formatBytes(bytes: number, options: ByteFormat = {}): string {
  if (!Number.isFinite(bytes) || bytes < 0) return options.placeholder ?? "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(bytes)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = options.trimZeros ? String(+value.toFixed(digits)) : value.toFixed(digits);
  return `${text} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number, options: ByteFormat = {}): string {
  return `${formatBytes(Math.max(0, Math.round(bytesPerSecond)), options)}/s`;
}

export type DurationFormat = {
  /** "compact" (terminal columns): "1m 05s", "1h 02m"; "spoken" (the page): "1 min 5 s", "2 h 5 min". */
  style?: "compact" | "spoken";
  /** Shown when the duration is unknown or unbounded. Default "--". */
  placeholder?: string;
};

/** A remaining or elapsed time to the second; null, negative or Infinity are unknown. */
export function formatDuration(ms: number | null, options: DurationFormat = {}): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return options.placeholder ?? "--";
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (options.style === "spoken") {
    if (hours >= 48) return `${Math.floor(hours / 24)} days`;
    if (hours > 0) return `${hours} h ${minutes} min`;
    if (minutes > 0) return `${minutes} min ${seconds} s`;
    return `${seconds} s`;
  }
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${seconds}s`;
}

/** How long ago an ISO time was, relative to `now` (ms). */
export function formatAge(iso: string, now: number, placeholder = "?"): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return placeholder;
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 60) return days === 1 ? "1 day ago" : `${days} days ago`;
  const months = Math.floor(days / 30);
  if (months < 24) return `${months} months ago`;
  return `${Math.floor(days / 365)} years ago`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return "0%";
  const percent = Math.min(100, Math.max(0, fraction * 100));
  // 99.96% must not read as 100% before the last piece is in.
  return fraction < 1 && percent >= 99.95 ? "99.9%" : `${percent.toFixed(percent < 10 && percent > 0 ? 1 : 0)}%`;
}

/** "1 peer", "3 peers", "1,000,200 torrents": the count grouped in thousands, so large ones read at a glance. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}

/** What a narrowed search (protocol SearchNarrowed) covered, as one sentence for a person. */
export function describeNarrowed(narrowed: { newest_entries: number; of_entries: number; ranked_by: string[] }, quote: (word: string) => string = (w) => `“${w}”`): string {
  const count = (n: number) => n.toLocaleString("en");
  const searched =
    narrowed.newest_entries < narrowed.of_entries
      ? `searched the newest ${count(narrowed.newest_entries)} of ${count(narrowed.of_entries)} entries`
      : `searched all ${count(narrowed.of_entries)} entries`;
  const ranked = narrowed.ranked_by.length > 0 ? `, ranked by ${narrowed.ranked_by.map(quote).join(", ")}` : "";
  return `These words are very common: ${searched}${ranked}. Add a rarer word to search everything.`;
}
