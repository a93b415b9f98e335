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
