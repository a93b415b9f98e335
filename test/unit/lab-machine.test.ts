// Judging the machine under a lab run (client/lab/machine.ts): a run is CPU-limited when a lab process's
// timers ran later than the pacing granularity or the machine was nearly out of CPU.
import { describe, expect, it } from "vitest";
import { EventLoopProbe, judgeCpu, machineJiffies, PACING_GRANULARITY_MS, type CpuMeasure, type ProcessMeasure } from "../../client/lab/machine";

const proc = (role: string, p99: number | null, cpuSeconds = 1): ProcessMeasure => ({ role, cpuSeconds, eventLoopP50Ms: p99 === null ? null : 0.2, eventLoopP99Ms: p99, eventLoopMaxMs: p99 });
const measure = (machineBusyShare: number | null, processes: ProcessMeasure[], labBusyShare = 0.3): CpuMeasure => ({ wallSeconds: 20, cores: 2, machineBusyShare, labBusyShare, processes });

describe("the CPU verdict", () => {
  it("passes a quiet run", () => {
    expect(judgeCpu(measure(0.45, [proc("runner + proxy", 3), proc("worker", null), proc("seed host", 12)]))).toEqual({ cpuLimited: false, reasons: [] });
  });

  it("flags a process whose event-loop p99 exceeds the pacing granularity, naming it", () => {
    const verdict = judgeCpu(measure(0.5, [proc("runner + proxy", 3), proc("peer host 2", PACING_GRANULARITY_MS + 1)]));
    expect(verdict.cpuLimited).toBe(true);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toContain("peer host 2");
  });

  it("flags a machine busier than 80% of cores × wall time, whoever used it", () => {
    const verdict = judgeCpu(measure(0.85, [proc("runner + proxy", 3)], 0.2));
    expect(verdict.cpuLimited).toBe(true);
    expect(verdict.reasons[0]).toMatch(/^machine CPU 85%/);
  });

  it("falls back to the lab's own share when the machine cannot be read", () => {
    expect(judgeCpu(measure(null, [proc("runner + proxy", 3)], 0.9)).cpuLimited).toBe(true);
    expect(judgeCpu(measure(null, [proc("runner + proxy", 3)], 0.5)).cpuLimited).toBe(false);
  });
});

describe("the probes", () => {
  it("read the machine's jiffies with busy ≤ total", async () => {
    const j = await machineJiffies();
    if (j === null) return; // not Linux
    expect(j.busy).toBeGreaterThan(0);
    expect(j.busy).toBeLessThanOrEqual(j.total);
  });

  it("see a blocked event loop as delay and as CPU time", async () => {
    const probe = new EventLoopProbe(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const cpuAt = process.cpuUsage();
    while (process.cpuUsage(cpuAt).user < 100_000); // block the loop for 100 ms of CPU (≥ 100 ms of wall time)
    await new Promise((resolve) => setTimeout(resolve, 30));
    const m = probe.read();
    probe.stop();
    expect(m.maxMs).toBeGreaterThan(80);
    expect(m.cpuSeconds).toBeGreaterThan(0.08);
  });
});
