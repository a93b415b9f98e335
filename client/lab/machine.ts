// The machine under a lab run, measured rather than assumed: CPU time per lab process (the runner with its
// pacing proxy, each peer host, the local worker) and for the whole machine, and each Node process's
// event-loop delay. A run is CPU-limited when a lab process's timers ran late by more than the pacing
// granularity (p99 event-loop delay) or the machine was nearly out of CPU; such runs are not results.
// Layer: client/lab (Node for the probes; judgeCpu is pure).
import { readFile, readdir } from "node:fs/promises";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** The caps' burst time: a timer later than this makes a flow burstier than the cap models (ms). */
export const PACING_GRANULARITY_MS = 50;
/** CPU use (whole machine) above this share of cores × wall time marks a run CPU-limited. */
export const MACHINE_CPU_LIMIT = 0.8;

/** One process (or process group) over one run. */
export type ProcessMeasure = {
  role: string;
  /** CPU seconds (user + system) during the run. */
  cpuSeconds: number;
  /** Event-loop delay percentiles during the run (ms); null for processes that are not Node (workerd). */
  eventLoopP50Ms: number | null;
  eventLoopP99Ms: number | null;
  eventLoopMaxMs: number | null;
};

export type CpuMeasure = {
  wallSeconds: number;
  cores: number;
  /** Whole machine (every job on it, not only the lab's): busy CPU time / (cores × wall). */
  machineBusyShare: number | null;
  /** The lab's own processes together: CPU time / (cores × wall). */
  labBusyShare: number;
  processes: ProcessMeasure[];
};

/** A CPU sample over time (for the report's CPU plot): one per process per interval. */
export type CpuSample = { t: number; role: string; cpuShare: number; eventLoopP99Ms: number | null };

export type CpuVerdict = { cpuLimited: boolean; reasons: string[] };

/** Whether a run was CPU-limited, and why. */
export function judgeCpu(m: CpuMeasure, limits = { granularityMs: PACING_GRANULARITY_MS, machineShare: MACHINE_CPU_LIMIT }): CpuVerdict {
  const reasons: string[] = [];
  for (const p of m.processes) {
    if (p.eventLoopP99Ms !== null && p.eventLoopP99Ms > limits.granularityMs)
      reasons.push(`${p.role}: event-loop delay p99 ${p.eventLoopP99Ms.toFixed(0)} ms > ${limits.granularityMs} ms`);
  }
  const share = m.machineBusyShare ?? m.labBusyShare;
  if (share > limits.machineShare)
    reasons.push(`${m.machineBusyShare === null ? "lab processes" : "machine"} CPU ${(share * 100).toFixed(0)}% of ${m.cores} cores × ${m.wallSeconds.toFixed(1)} s > ${(limits.machineShare * 100).toFixed(0)}%`);
  return { cpuLimited: reasons.length > 0, reasons };
}

/** Busy and total jiffies of the whole machine (/proc/stat), or null off Linux. */
export async function machineJiffies(): Promise<{ busy: number; total: number } | null> {
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds used so far by every process in a process group (e.g. wrangler + workerd), or null. */
export async function processGroupCpuSeconds(pgid: number): Promise<number | null> {
  try {
    let ticks = 0;
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
      if (!stat) continue;
      // the command may hold spaces and parentheses: fields count from the last ')'
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue; // field 5 (pgrp)
      ticks += Number(fields[11]) + Number(fields[12]); // fields 14, 15 (utime, stime)
    }
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** This Node process's CPU time and event-loop delay over a window (one run, or one sampling interval). */
export class EventLoopProbe {
  private histogram: IntervalHistogram;
  private cpuStart: NodeJS.CpuUsage;
  private wallStart: number;

  constructor(private readonly resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    this.cpuStart = process.cpuUsage();
    this.wallStart = performance.now();
  }

  /** The window so far; `restart` begins a new one. */
  read(restart = false): { cpuSeconds: number; wallSeconds: number; p50Ms: number; p99Ms: number; maxMs: number } {
    const cpu = process.cpuUsage(this.cpuStart);
    const h = this.histogram;
    // values are whole timer intervals in ns (resolution included); an empty histogram reads as huge numbers
    const late = (ns: number) => (h.count > 0 ? Math.max(0, ns / 1e6 - this.resolutionMs) : 0);
    const out = {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      wallSeconds: (performance.now() - this.wallStart) / 1000,
      p50Ms: late(h.percentile(50)),
      p99Ms: late(h.percentile(99)),
      maxMs: late(h.max),
    };
    if (restart) {
      h.reset();
      this.cpuStart = process.cpuUsage();
      this.wallStart = performance.now();
    }
    return out;
  }

  stop(): void {
    this.histogram.disable();
  }
}
