import { describe, expect, it } from "vitest";
import { LOOPBACK_RTC, deployment, isLoopbackHost, normalizeServer, rtcConfigFor, withSocketTag } from "../../client/lib/deployment";
import { UsageError } from "../../client/lib/errors";

const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";

describe("a server address", () => {
  it("is read as its origin, with http:// assumed and any path dropped", () => {
    expect(normalizeServer("http://127.0.0.1:8787/")).toBe("http://127.0.0.1:8787");
    expect(normalizeServer("127.0.0.1:8787")).toBe("http://127.0.0.1:8787");
    expect(normalizeServer(" https://edge.example/some/page ")).toBe("https://edge.example");
  });

  it("is refused when it is not http or https, or empty", () => {
    expect(() => normalizeServer("ftp://edge.example")).toThrow(UsageError);
    expect(() => normalizeServer("ws://edge.example")).toThrow(/http:\/\/ or https:\/\//);
    expect(() => normalizeServer("  ")).toThrow(UsageError);
  });
});

describe("a deployment's addresses", () => {
  it("puts trackers on ws:// for http and wss:// for https", () => {
    expect(deployment("http://127.0.0.1:8787").swarm(HASH)).toBe(`ws://127.0.0.1:8787/announce/${HASH}`);
    expect(deployment("https://edge.example").gateway).toBe("wss://edge.example/announce");
    expect(deployment("https://edge.example").swarm(HASH.toUpperCase())).toBe(`wss://edge.example/announce/${HASH}`);
  });

  it("makes the page's share link and the directory's magnet shape", () => {
    const d = deployment("http://127.0.0.1:8787");
    expect(d.shareLink(HASH)).toBe(`http://127.0.0.1:8787/#${HASH}`);
    expect(d.magnet(HASH, "a b.iso", 42)).toBe(`magnet:?xt=urn:btih:${HASH}&dn=a%20b.iso&xl=42&tr=${encodeURIComponent(`ws://127.0.0.1:8787/announce/${HASH}`)}`);
    expect(d.magnet(HASH)).toBe(`magnet:?xt=urn:btih:${HASH}&tr=${encodeURIComponent(`ws://127.0.0.1:8787/announce/${HASH}`)}`);
    expect(d.api("/api/search?q=x")).toBe("http://127.0.0.1:8787/api/search?q=x");
  });

  it("uses only its own web seed from a link: another host a magnet or .torrent names is never fetched", () => {
    const d = deployment("https://edge.example");
    const own = `https://edge.example/seed/${HASH}/a.iso`;
    expect(d.ownWebSeed([`https://tracker.example/seed/${HASH}/a.iso`, "not a url", own])).toBe(own);
    expect(d.ownWebSeed([`http://edge.example/seed/${HASH}/a.iso`, `https://edge.example/api/torrents/${HASH}`, `https://edge.example:8443/seed/${HASH}/a.iso`])).toBeUndefined();
    expect(d.ownWebSeed([])).toBeUndefined();
  });

  it("knows loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.3.2.1", "localhost", "app.localhost", "::1", "[::1]"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["10.0.0.1", "edge.example", "128.0.0.1", "localhost.example"]) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe("the ICE configuration", () => {
  it("stays on loopback for a local deployment without ICE servers", () => {
    expect(rtcConfigFor(deployment("http://127.0.0.1:8787"), [])).toEqual(LOOPBACK_RTC);
  });

  it("uses the deployment's STUN/TURN servers when it has some, wherever it runs", () => {
    const servers = [{ urls: "turn:turn.example:3478", username: "u", credential: "c" }];
    expect(rtcConfigFor(deployment("http://127.0.0.1:8787"), servers)).toEqual({ iceServers: servers });
    expect(rtcConfigFor(deployment("https://edge.example"), [])).toEqual({ iceServers: [] });
  });
});

describe("a tagged tracker URL", () => {
  it("gets a peer parameter the tracker ignores, or stays as it is without a tag", () => {
    expect(withSocketTag(`ws://127.0.0.1:8787/announce/${HASH}`, "seed 1")).toBe(`ws://127.0.0.1:8787/announce/${HASH}?peer=seed+1`);
    expect(withSocketTag(`ws://127.0.0.1:8787/announce/${HASH}`, undefined)).toBe(`ws://127.0.0.1:8787/announce/${HASH}`);
  });
});
