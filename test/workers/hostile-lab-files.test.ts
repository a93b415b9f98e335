// The lab's upload route against hostile callers (issue 10): the key compared in constant time (digests), and
// a body that is never buffered whole nor larger than the route allows.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { MAX_LAB_FILE_BYTES } from "../../worker/routes/lab-files";

const KEY = "lab-key-0123456789abcdef";

async function call(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...(env as unknown as Env), LAB_KEY: KEY }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const url = (name: string) => `http://lab.test/lab/files/${name}`;

describe("PUT /lab/files/:key", () => {
  it("refuses a wrong key, however close, and a missing one", async () => {
    for (const authorization of [`Bearer ${KEY.slice(0, -1)}x`, `Bearer ${KEY}x`, "Bearer ", `bearer${KEY}`, ""]) {
      const res = await call(new Request(url("a.bin"), { method: "PUT", body: "data", headers: authorization ? { authorization } : {} }));
      expect(res.status, authorization).toBe(401);
    }
  });

  it("stores a body of its declared length and serves it back", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(4096));
    // Over HTTP the client's Content-Length arrives as a header; a Request built here must say it itself.
    const put = await call(new Request(url("b.bin"), { method: "PUT", body: bytes, headers: { authorization: `Bearer ${KEY}`, "content-length": "4096" } }));
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ key: "b.bin", size: 4096 });
    const got = await call(new Request(url("b.bin")));
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  it("refuses a body without a length (411) or over the limit (413) before reading it", async () => {
    // 1 MiB with no length said: the route would have to buffer it to know (a finite stream, so that a route
    // that buffers fails this test instead of hanging it).
    let sent = 0;
    const stream = new ReadableStream({
      pull: (controller) => {
        if (sent >= 1024 * 1024) return controller.close();
        sent += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const unsized = await call(new Request(url("c.bin"), { method: "PUT", body: stream, headers: { authorization: `Bearer ${KEY}` }, duplex: "half" } as RequestInit));
    expect(unsized.status).toBe(411);
    expect((await call(new Request(url("c.bin")))).status).toBe(404);
    const huge = await call(
      new Request(url("d.bin"), { method: "PUT", body: new ReadableStream(), headers: { authorization: `Bearer ${KEY}`, "content-length": String(MAX_LAB_FILE_BYTES + 1) }, duplex: "half" } as RequestInit),
    );
    expect(huge.status).toBe(413);
    expect((await call(new Request(url("d.bin")))).status).toBe(404);
  });
});
