import { describe, expect, it } from "vitest";
import { DirectoryClient } from "../../client/lib/directory-client";
import { zodParsers } from "../../client/lib/directory-schemas";
import { BadReplyError, DirectoryError, ServerUnreachableError, UsageError } from "../../client/lib/errors";

const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";
const hit = {
  info_hash: HASH,
  name: "Field notes",
  size: 1200,
  file_count: 1,
  seeders: 1,
  leechers: 0,
  completed: 0,
  added: "2026-05-02T10:00:00.000Z",
  tags: ["text"],
  magnet: `magnet:?xt=urn:btih:${HASH}`,
  score: 1.5,
};

type Call = { url: string; init: RequestInit };

/** A fetch that records calls and answers from `reply`. */
function fakeFetch(reply: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const f = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call = { url: String(input), init };
    calls.push(call);
    return reply(call);
  }) as typeof fetch;
  return { fetch: f, calls };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("the directory client", () => {
  it("sends search parameters as the API names them", async () => {
    const { fetch, calls } = fakeFetch(() => json({ hits: [hit], next_cursor: null }));
    const client = new DirectoryClient("http://127.0.0.1:8787/", { fetch, parsers: zodParsers });
    const reply = await client.search({ q: "field notes", sort: "seeders", minSize: 10, tags: ["text", "notes"], alive: true, limit: 5, cursor: "abc" });
    expect(reply.hits[0]!.name).toBe("Field notes");
    const url = new URL(calls[0]!.url);
    expect(url.origin + url.pathname).toBe("http://127.0.0.1:8787/api/search");
    expect([...url.searchParams]).toEqual([
      ["q", "field notes"],
      ["sort", "seeders"],
      ["min_size", "10"],
      ["tag", "text"],
      ["tag", "notes"],
      ["alive", "1"],
      ["limit", "5"],
      ["cursor", "abc"],
    ]);
  });

  it("publishes .torrent bytes as application/x-bittorrent with tags, description and the publish key", async () => {
    const { fetch, calls } = fakeFetch(() => json({ token: "t", entries: [{ ...hit, piece_length: 16384, description: null, torrent_url: null, created: true }] }, 201));
    const client = new DirectoryClient("http://127.0.0.1:8787", { fetch, parsers: zodParsers });
    const reply = await client.publish(new Uint8Array([100, 101]), { tags: ["a", "b"], description: "d", publishKey: "k" });
    expect(reply.token).toBe("t");
    const call = calls[0]!;
    expect(call.url).toBe("http://127.0.0.1:8787/api/torrents?tags=a%2Cb&description=d");
    expect(call.init.method).toBe("POST");
    expect(call.init.headers).toMatchObject({ "content-type": "application/x-bittorrent", "x-publish-key": "k" });
    expect(new Uint8Array(await (call.init.body as Blob).arrayBuffer())).toEqual(new Uint8Array([100, 101]));
  });

  it("publishes share-list entries as JSON", async () => {
    const { fetch, calls } = fakeFetch(() => json({ token: null, entries: [] }));
    await new DirectoryClient("http://h", { fetch }).publish([{ info_hash: HASH, name: "x", size: 1 }]);
    expect(calls[0]!.init.headers).toMatchObject({ "content-type": "application/json" });
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual([{ info_hash: HASH, name: "x", size: 1 }]);
  });

  it("answers null for a torrent the directory does not list, and refuses what is not an info hash", async () => {
    const { fetch } = fakeFetch(() => json({ error: { code: "not_found", message: "no torrent" } }, 404));
    const client = new DirectoryClient("http://h", { fetch });
    expect(await client.details(HASH)).toBeNull();
    await expect(client.details("nope")).rejects.toThrow(UsageError);
  });

  it("passes the directory's own error message and code on", async () => {
    const { fetch } = fakeFetch(() => json({ error: { code: "publish_key_required", message: "this directory requires a publish key" } }, 401));
    const error = await new DirectoryClient("http://h", { fetch }).publish(new Uint8Array([1])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryError);
    expect(error).toMatchObject({ status: 401, directoryCode: "publish_key_required", code: "directory", message: "this directory requires a publish key" });
  });

  it("calls a reply that breaks the schema a bad reply", async () => {
    const { fetch } = fakeFetch(() => json({ hits: [{ ...hit, seeders: "many" }], next_cursor: null }));
    await expect(new DirectoryClient("http://h", { fetch, parsers: zodParsers }).search("x")).rejects.toThrow(BadReplyError);
    const html = fakeFetch(() => new Response("<html>", { status: 200 }));
    await expect(new DirectoryClient("http://h", { fetch: html.fetch }).rtcConfig()).rejects.toThrow(/is this an edgeswarm server/);
  });

  it("says the server cannot be reached when the connection is refused or times out", async () => {
    const refused = fakeFetch(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    });
    const error = await new DirectoryClient("http://127.0.0.1:9", { fetch: refused.fetch }).search("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe("cannot reach the edgeswarm server at http://127.0.0.1:9 (connection refused)");

    const slow = fakeFetch(({ init }) => new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason))));
    await expect(new DirectoryClient("http://h", { fetch: slow.fetch, timeoutMs: 20 }).stats()).rejects.toThrow(/did not answer within/);
  });
});
