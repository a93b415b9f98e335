// The page's addresses (client/web/links.ts): tracker sockets per scheme, magnets, routes.
import { describe, expect, it } from "vitest";
import { infoHashFromRoute, magnetFor, shareLink, trackerUrls } from "../../../client/web/links";

const HASH = "0123456789abcdef0123456789abcdef01234567";

describe("links of a deployment", () => {
  it("uses ws on http and wss on https, per swarm and for the gateway", () => {
    expect(trackerUrls("http://127.0.0.1:8787").swarm(HASH)).toBe(`ws://127.0.0.1:8787/announce/${HASH}`);
    expect(trackerUrls("https://swarm.example").gateway).toBe("wss://swarm.example/announce");
  });
  it("makes magnets that announce on the swarm's socket", () => {
    const magnet = magnetFor(HASH, "https://swarm.example", "a b.bin", 42);
    expect(magnet).toBe(`magnet:?xt=urn:btih:${HASH}&dn=a%20b.bin&xl=42&tr=${encodeURIComponent(`wss://swarm.example/announce/${HASH}`)}`);
    expect(magnetFor(HASH, "https://swarm.example")).not.toContain("dn=");
  });
  it("routes #<info hash> and nothing else", () => {
    expect(shareLink("https://swarm.example", HASH)).toBe(`https://swarm.example/#${HASH}`);
    expect(infoHashFromRoute(`#${HASH.toUpperCase()}`)).toBe(HASH);
    expect(infoHashFromRoute("#search")).toBeNull();
    expect(infoHashFromRoute("")).toBeNull();
  });
});
