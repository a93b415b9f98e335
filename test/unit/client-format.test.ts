import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatSpeed } from "../../client/lib/format";

describe("human-readable numbers", () => {
  it("give sizes in binary units with about three digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(15 * 1024 * 1024 + 300_000)).toBe("15.3 MiB");
    expect(formatBytes(6_114_656_256)).toBe("5.69 GiB");
    expect(formatBytes(Number.NaN)).toBe("?");
  });

  it("give speeds per second", () => {
    expect(formatSpeed(2048.4)).toBe("2.00 KiB/s");
  });

  it("give durations to the second, and -- when unknown", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(12_400)).toBe("12s");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatDuration(3_725_000)).toBe("1h 02m");
    expect(formatDuration(null)).toBe("--");
    expect(formatDuration(Infinity)).toBe("--");
  });
});
