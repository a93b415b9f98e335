// The page's number formatting (client/web/format.ts).
import { describe, expect, it } from "vitest";
import { formatAge, formatBytes, formatDuration, formatPercent, formatSpeed, plural } from "../../../client/web/format";

describe("formatBytes", () => {
  it("uses binary units with three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(12.5 * 1024 * 1024)).toBe("12.5 MiB");
    expect(formatBytes(300 * 1024 ** 3)).toBe("300 GiB");
  });
  it("shows a dash for what is not a size", () => {
    expect(formatBytes(Number.NaN)).toBe("—");
    expect(formatBytes(-1)).toBe("—");
  });
});

describe("formatSpeed and formatDuration", () => {
  it("reads as a rate and a remaining time", () => {
    expect(formatSpeed(2 * 1024 * 1024)).toBe("2.00 MiB/s");
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(200_000)).toBe("3 min 20 s");
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe("2 h 5 min");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("—");
  });
});

describe("formatAge", () => {
  const now = Date.parse("2026-05-10T12:00:00Z");
  it("counts back from now", () => {
    expect(formatAge("2026-05-10T11:59:30Z", now)).toBe("just now");
    expect(formatAge("2026-05-10T11:15:00Z", now)).toBe("45 min ago");
    expect(formatAge("2026-05-09T12:00:00Z", now)).toBe("1 day ago");
    expect(formatAge("2026-01-10T12:00:00Z", now)).toBe("4 months ago");
    expect(formatAge("not a date", now)).toBe("—");
  });
});

describe("formatPercent", () => {
  it("never shows 100% before the end", () => {
    expect(formatPercent(0.9996)).toBe("99.9%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.054)).toBe("5.4%");
    expect(formatPercent(0.5)).toBe("50%");
  });
  it("pluralises counts", () => {
    expect(plural(1, "peer")).toBe("1 peer");
    expect(plural(3, "peer")).toBe("3 peers");
    expect(plural(1_000_200, "torrent")).toBe("1,000,200 torrents");
  });
});
