// The machine a lab run ran on, recorded with its results (numbers mean little without it).
// Layer: client/lab (Node).
import os from "node:os";

export type LabEnvironment = { startedAt: string; durationSeconds: number; node: string; cpus: number; loadAverage: number[]; platform: string };

/** This machine now, for a run that started at `startedAt` (ms since the epoch). */
export function labEnvironment(startedAt: number): LabEnvironment {
  return {
    startedAt: new Date(startedAt).toISOString(),
    durationSeconds: (Date.now() - startedAt) / 1000,
    node: process.versions.node,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    platform: `${os.platform()} ${os.arch()}`,
  };
}
