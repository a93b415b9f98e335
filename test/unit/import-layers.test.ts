// The layout's one rule, checked on the real import graph: imports point one way — routes → feature → rules →
// protocol — and each front end reaches the client library only through its entries. Every static and
// dynamic import of every source file is read (TypeScript's own pre-processor) and resolved to a file.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE_ROOTS = ["protocol", "durable-objects", "worker", "client", "scripts", "test"];
const SOURCE = /\.(ts|mts|mjs|js)$/;

type Edge = { from: string; to: string; specifier: string };

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (SOURCE.test(name) && !name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** A relative specifier as a repository path (extension and index resolved); packages stay as named. */
function resolve(from: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.mjs`, `${base}.js`, `${base}/index.ts`]) {
    if (existsSync(path.join(ROOT, candidate)) && statSync(path.join(ROOT, candidate)).isFile()) return candidate;
  }
  return base;
}

function importGraph(): Edge[] {
  const edges: Edge[] = [];
  for (const root of SOURCE_ROOTS) {
    for (const file of sourceFiles(root)) {
      const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
      for (const { fileName } of info.importedFiles) edges.push({ from: file, to: resolve(file, fileName), specifier: fileName });
    }
  }
  return edges;
}

const under = (dir: string) => (file: string) => file === dir || file.startsWith(`${dir}/`);
const isPlatform = (to: string) => to.startsWith("node:") || to.startsWith("cloudflare:");
/** Modules that hold Cloudflare's runtime (Durable Objects, WebSocketPair upstreams): the worker's host alone. */
const CLOUDFLARE_HOST = [
  "worker/index.ts",
  "worker/cloudflare.ts",
  "durable-objects/socket-host.ts",
  "durable-objects/swarm-object.ts",
  "durable-objects/announce-mux.ts",
];
const LIBRARY_ENTRIES = ["client/lib/index.ts", "client/lib/node.ts", "client/lib/browser.ts", "client/lib/directory-schemas.ts"];

type Rule = { name: string; from: (file: string) => boolean; forbids: (edge: Edge) => boolean };

const RULES: Rule[] = [
  { name: "protocol/ imports only zod", from: under("protocol"), forbids: (e) => !under("protocol")(e.to) && e.to !== "zod" },
  {
    name: "durable-objects/ never imports worker/, client/ or test/",
    from: under("durable-objects"),
    forbids: (e) => ["worker", "client", "test"].some((d) => under(d)(e.to)),
  },
  {
    name: "the swarm rules are pure: protocol/ and themselves, no platform",
    from: under("durable-objects/swarm"),
    forbids: (e) => isPlatform(e.to) || !(under("durable-objects/swarm")(e.to) || under("protocol")(e.to)),
  },
  { name: "worker/ never imports client/ or test/", from: under("worker"), forbids: (e) => under("client")(e.to) || under("test")(e.to) },
  {
    name: "the directory rules are pure: protocol/, themselves and data libraries, no platform",
    from: under("worker/directory/rules"),
    forbids: (e) => isPlatform(e.to) || under("worker/directory/queries")(e.to) || under("worker/routes")(e.to) || under("durable-objects")(e.to),
  },
  {
    name: "directory queries never import routes",
    from: under("worker/directory/queries"),
    forbids: (e) => under("worker/routes")(e.to),
  },
  {
    name: "client/ never imports worker/, durable-objects/ or test/",
    from: under("client"),
    forbids: (e) => ["worker", "durable-objects", "test"].some((d) => under(d)(e.to)),
  },
  {
    name: "client/lib never imports its front ends",
    from: under("client/lib"),
    forbids: (e) => ["client/cli", "client/web", "client/lab"].some((d) => under(d)(e.to)),
  },
  {
    name: "client/web uses only the library's browser entry",
    from: under("client/web"),
    forbids: (e) => under("client/lib")(e.to) && e.to !== "client/lib/browser.ts",
  },
  {
    name: "client/cli and client/lab reach the library only through its entries",
    from: (f) => under("client/cli")(f) || under("client/lab")(f),
    forbids: (e) => under("client/lib")(e.to) && !LIBRARY_ENTRIES.includes(e.to),
  },
  {
    name: "the simulator's parts are pure",
    from: under("client/lab/sim"),
    forbids: (e) => isPlatform(e.to),
  },
  { name: "scripts/ never imports test/", from: under("scripts"), forbids: (e) => under("test")(e.to) },
  {
    name: "the in-process tracker host uses web-standard APIs only (it runs on Deno and in Node's tests)",
    from: under("durable-objects/in-process"),
    forbids: (e) => isPlatform(e.to) || CLOUDFLARE_HOST.includes(e.to),
  },
  {
    name: "the app and everything it serves on every host never reach Cloudflare's host",
    from: (f) => f === "worker/app.ts" || ["worker/routes", "worker/directory", "worker/sqlite", "worker/deno"].some((d) => under(d)(f)),
    forbids: (e) => e.to.startsWith("cloudflare:") || CLOUDFLARE_HOST.includes(e.to),
  },
  {
    name: "only worker/deno reaches Deno's runtime",
    from: (f) => !under("worker/deno")(f),
    forbids: (e) => under("worker/deno")(e.to) && e.to !== "worker/deno/node-sqlite.d.ts",
  },
];

describe("the import graph", () => {
  const edges = importGraph();

  it("is read from every room (a walker that sees nothing would pass every rule)", () => {
    for (const room of ["protocol", "durable-objects", "durable-objects/in-process", "worker", "worker/deno", "client/lib", "client/web", "client/cli", "client/lab", "scripts"]) {
      expect(edges.filter((e) => under(room)(e.from)).length, room).toBeGreaterThan(0);
    }
    expect(edges.some((e) => e.from === "client/web/main.ts" && e.to === "client/lib/browser.ts")).toBe(true);
  });

  it.each(RULES.map((rule) => [rule.name, rule] as const))("%s", (_name, rule) => {
    const violations = edges.filter((e) => rule.from(e.from) && rule.forbids(e)).map((e) => `${e.from} → ${e.specifier}`);
    expect(violations).toEqual([]);
  });

  it("resolves every relative import to a file of the tree", () => {
    const unresolved = edges.filter((e) => e.specifier.startsWith(".") && !existsSync(path.join(ROOT, e.to))).map((e) => `${e.from} → ${e.specifier}`);
    expect(unresolved).toEqual([]);
  });
});
