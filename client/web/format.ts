// The page's number style on the library's formatters: an em dash for unknown values and spoken durations
// ("3 min 20 s"). Layer: client/web (pure, no DOM).
import {
  formatAge as ageOf,
  formatBytes as bytesOf,
  formatDuration as durationOf,
  formatSpeed as speedOf,
} from "../lib/browser";

export { describeNarrowed, formatPercent, plural } from "../lib/browser";

const UNKNOWN = "—";

export const formatBytes = (bytes: number): string => bytesOf(bytes, { placeholder: UNKNOWN });
export const formatSpeed = (bytesPerSecond: number): string => speedOf(bytesPerSecond, { placeholder: UNKNOWN });
export const formatDuration = (ms: number): string => durationOf(ms, { style: "spoken", placeholder: UNKNOWN });
export const formatAge = (iso: string, now: number): string => ageOf(iso, now, UNKNOWN);
