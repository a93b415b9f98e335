// Sizes and rates on the lab's command line: "4MiB", "512KiB", "8Mbit" (bit/s), "2MB/s". Layer: client/lab, pure.

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };
const RATE_UNITS: Record<string, number> = {
  "": 1,
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  bps: 1,
  kbps: 1e3,
  mbps: 1e6,
  gbps: 1e9,
  "b/s": 8,
  "kb/s": 8e3,
  "mb/s": 8e6,
  "gb/s": 8e9,
  "kib/s": 8 * 2 ** 10,
  "mib/s": 8 * 2 ** 20,
};

function parseWith(units: Record<string, number>, text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z/]*)\s*$/.exec(text);
  const factor = match ? units[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) throw new RangeError(`not a ${what}: "${text}"`);
  const value = Number(match[1]) * factor;
  if (!(value > 0)) throw new RangeError(`${what} must be > 0: "${text}"`);
  return value;
}

/** Bytes. */
export function parseSize(text: string): number {
  return Math.round(parseWith(SIZE_UNITS, text, "size"));
}

/** bit/s; "unlimited" or "inf" = Infinity. */
export function parseRate(text: string): number {
  if (/^(unlimited|inf|infinity)$/i.test(text.trim())) return Infinity;
  return parseWith(RATE_UNITS, text, "rate");
}

export function parseList<T>(text: string, parse: (item: string) => T): T[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parse);
}

export function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond === Infinity) return "unlimited";
  if (bitsPerSecond >= 1e9) return `${+(bitsPerSecond / 1e9).toFixed(3)} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${+(bitsPerSecond / 1e6).toFixed(3)} Mbit/s`;
  if (bitsPerSecond >= 1e3) return `${+(bitsPerSecond / 1e3).toFixed(3)} kbit/s`;
  return `${bitsPerSecond} bit/s`;
}
