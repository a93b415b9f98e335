// CPU time and memory of processes, read from Linux /proc, so the benchmark can charge each tracker only for
// its own processes (the load generator runs elsewhere). Layer: test tooling (Node, Linux only).
import { readFileSync, readdirSync } from "node:fs";

/** USER_HZ: /proc reports CPU time in these ticks (100 on every Linux this runs on; `getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export type ProcInfo = {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
  /** utime + stime of all the process's threads, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
};

/** One process's /proc/<pid>/stat, or null when it has gone. */
export function readProc(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: it ends at the last ')'.
  const close = stat.lastIndexOf(")");
  const comm = stat.slice(stat.indexOf("(") + 1, close);
  const f = stat.slice(close + 2).split(" ");
  // f[0] is field 3 (state) of proc(5): ppid 4, pgrp 5, utime 14, stime 15, rss 24.
  return {
    pid,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    comm,
    cpuSeconds: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND,
    rssBytes: Number(f[21]) * PAGE_BYTES,
  };
}

export function allProcs(): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) procs.push(info);
  }
  return procs;
}

/** The process and everything below it (children, grandchildren, ...). */
export function processTree(rootPid: number): ProcInfo[] {
  const procs = allProcs();
  const pids = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!pids.has(p.pid) && pids.has(p.ppid)) {
        pids.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.filter((p) => pids.has(p.pid));
}

export function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** Summed CPU seconds and RSS of a set of pids, read now. Processes that have exited count as zero. */
export function measure(pids: number[]): { cpuSeconds: number; rssBytes: number; perPid: Map<number, ProcInfo> } {
  let cpuSeconds = 0;
  let rssBytes = 0;
  const perPid = new Map<number, ProcInfo>();
  for (const pid of pids) {
    const info = readProc(pid);
    if (!info) continue;
    cpuSeconds += info.cpuSeconds;
    rssBytes += info.rssBytes;
    perPid.set(pid, info);
  }
  return { cpuSeconds, rssBytes, perPid };
}

/** Whole-machine CPU from /proc/stat: busy and total seconds over all cores. */
export function machineCpu(): { busySeconds: number; totalSeconds: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already inside user/nice)
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busySeconds: (total - idle) / TICKS_PER_SECOND, totalSeconds: total / TICKS_PER_SECOND };
}
