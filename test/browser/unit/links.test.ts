// The page's addresses: the library's deployment (client/lib/deployment.ts) and the page's routes.
import { describe, expect, it } from "vitest";
import { deployment } from "../../../client/lib/browser";
import { infoHashFromRoute } from "../../../client/web/links";

const HASH = "0123456789abcdef0123456789abcdef01234567";

describe("links of a deployment", () => {
  it("uses ws on http and wss on https, per swarm and for the gateway", () => {
    expect(deployment("http://127.0.0.1:8787").swarm(HASH)).toBe(`ws://127.0.0.1:8787/announce/${HASH}`);
    expect(deployment("https://swarm.example").gateway).toBe("wss://swarm.example/announce");
  });
  it("makes magnets that announce on the swarm's socket", () => {
    const magnet = deployment("https://swarm.example").magnet(HASH, "a b.bin", 42);
    expect(magnet).toBe(`magnet:?xt=urn:btih:${HASH}&dn=a%20b.bin&xl=42&tr=${encodeURIComponent(`wss://swarm.example/announce/${HASH}`)}`);
    expect(deployment("https://swarm.example").magnet(HASH)).not.toContain("dn=");
  });
  it("routes #<info hash> and nothing else", () => {
    expect(deployment("https://swarm.example").shareLink(HASH)).toBe(`https://swarm.example/#${HASH}`);
    expect(infoHashFromRoute(`#${HASH.toUpperCase()}`)).toBe(HASH);
    expect(infoHashFromRoute("#search")).toBeNull();
    expect(infoHashFromRoute("")).toBeNull();
  });
});

describe("what the page opens", () => {
  const MAGNET = `magnet:?xt=urn:btih:${HASH}&dn=x&tr=${encodeURIComponent("wss://tracker.example/announce")}`;
  it("opens a magnet in the fragment, raw or encoded, and a base32 hash", async () => {
    const { routeOf } = await import("../../../client/web/links");
    expect(routeOf(`#${MAGNET}`)).toEqual({ kind: "magnet", infoHash: HASH, magnet: MAGNET });
    expect(routeOf(`#${encodeURIComponent(MAGNET)}`)).toMatchObject({ kind: "magnet", infoHash: HASH });
    expect(routeOf("#AERUKZ4JVPG66AJDIVSTYIQBEMHQAAAA")).toMatchObject({ kind: "hash" });
    expect(routeOf("#magnet:?xt=urn:btih:nothex")).toBeNull();
  });
  it("reads pasted magnets, hashes and share links, and says what else is wrong", async () => {
    const { openableFromText } = await import("../../../client/web/links");
    expect(openableFromText(` ${MAGNET} `)).toMatchObject({ kind: "magnet", infoHash: HASH });
    expect(openableFromText(HASH)).toEqual({ kind: "hash", infoHash: HASH });
    expect(openableFromText(`https://other.example/#${HASH}`)).toEqual({ kind: "hash", infoHash: HASH });
    expect(openableFromText("some words")).toHaveProperty("error");
    expect(openableFromText("magnet:?dn=nohash")).toHaveProperty("error");
  });
});
