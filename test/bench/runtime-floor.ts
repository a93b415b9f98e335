// `npm run bench:floor`: what workerd itself spends per WebSocket message — the floor under the tracker's CPU
// per announce cycle. Runs test/bench/floor-worker.js (an object that echoes frames and does nothing else) in
// its own workerd via Miniflare, drives it from this process over loopback (200 sockets in 20 objects, 600-byte
// frames, closed loop), and reads the workerd process's CPU from /proc. Prints µs per incoming and outgoing
// message for hibernatable and standard sockets and through a worker pipe, and the floor of one announce cycle
// (6 frames in, 11 out at the swarm objects; on `/announce` also 17 in and 17 out at the worker).
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import WebSocket from "ws";

const SECONDS = Number(process.env.FLOOR_SECONDS ?? 6);
const log = (...parts: unknown[]) => console.error("[floor]", ...parts);

async function measure(path: string, fanout: number): Promise<{ microsPerRound: number; roundsPerSecond: number }> {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath: fileURLToPath(new URL("./floor-worker.js", import.meta.url)),
    compatibilityDate: "2026-04-01",
    durableObjects: { ECHO: { className: "Echo", useSQLite: true } },
  });
  try {
    const url = (await mf.ready).href.replace(/^http/, "ws").replace(/\/$/, "");
    const pids = execSync(`pgrep -P ${process.pid} -x workerd || true`).toString().trim().split("\n").filter(Boolean).map(Number);
    if (pids.length === 0) throw new Error("no workerd child process");
    const cpu = () => pids.reduce((sum, pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return sum + (Number(fields[11]) + Number(fields[12])) / 100;
    }, 0);
    const payload = "x".repeat(600);
    let rounds = 0;
    let counting = false;
    const sockets: WebSocket[] = [];
    for (let room = 0; room < 20; room++) {
      for (let i = 0; i < 10; i++) {
        const ws = new WebSocket(`${url}${path}${path.includes("?") ? "&" : "?"}room=r${room}&fanout=${fanout}`, { perMessageDeflate: false });
        await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
        let got = 0;
        ws.on("message", () => {
          if (++got < fanout) return;
          got = 0;
          if (counting) rounds++;
          ws.send(payload);
        });
        ws.send(payload);
        sockets.push(ws);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    counting = true;
    const [c0, t0] = [cpu(), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const [c1, t1] = [cpu(), performance.now()];
    counting = false;
    for (const ws of sockets) ws.terminate();
    return { microsPerRound: ((c1 - c0) * 1e6) / rounds, roundsPerSecond: (rounds * 1000) / (t1 - t0) };
  } finally {
    await mf.dispose();
  }
}

const rows: { what: string; round: string; micros: number; rate: number }[] = [];
const cases = [
  { what: "object, hibernatable sockets", path: "/?sockets=hibernatable" },
  { what: "object, standard sockets", path: "/?sockets=standard" },
  { what: "worker pipe → object (hibernatable)", path: "/piped?sockets=hibernatable" },
];
const results = new Map<string, number>();
for (const c of cases) {
  for (const fanout of [1, 6]) {
    log(`${c.what}, 1 in + ${fanout} out`);
    const r = await measure(c.path, fanout);
    rows.push({ what: c.what, round: `1 in + ${fanout} out`, micros: r.microsPerRound, rate: r.roundsPerSecond });
    results.set(`${c.what}|${fanout}`, r.microsPerRound);
  }
}
const perMessage = (what: string) => {
  const one = results.get(`${what}|1`)!;
  const six = results.get(`${what}|6`)!;
  const out = (six - one) / 5;
  return { in: one - out, out };
};
const hib = perMessage("object, hibernatable sockets");
const std = perMessage("object, standard sockets");
const pipe = perMessage("worker pipe → object (hibernatable)");
// The pipe adds, per frame each way, a worker receive and a worker send on top of the object's own.
const workerHop = { in: pipe.in - hib.in, out: pipe.out - hib.out };
const direct = 6 * hib.in + 11 * hib.out;
const directStandard = 6 * std.in + 11 * std.out;
const mux = direct + 6 * workerHop.in + 11 * workerHop.out;

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
console.log(
  [
    `Runtime floor, ${new Date().toISOString().slice(0, 10)}: workerd CPU per WebSocket round (Miniflare, no wrangler proxy; ${SECONDS} s per case, 200 sockets, 600-byte frames).`,
    "",
    "| case | round | µs per round | rounds/s |",
    "|---|---|--:|--:|",
    ...rows.map((r) => `| ${r.what} | ${r.round} | ${f(r.micros)} | ${r.rate.toFixed(0)} |`),
    "",
    `Per message: hibernatable object ${f(hib.in)} µs in, ${f(hib.out)} µs out; standard object ${f(std.in)} µs in, ${f(std.out)} µs out; ` +
      `a worker pipe adds ${f(workerHop.in)} µs per frame one way and ${f(workerHop.out)} µs the other.`,
    "",
    `Floor of one announce cycle (5 offers): \`/announce/<hash>\` ${f(direct)} µs (${f(directStandard)} µs with standard sockets, which ` +
      `keep an object in memory and billed for its whole life); \`/announce\` ${f(mux)} µs — before any of our code runs.`,
  ].join("\n"),
);
