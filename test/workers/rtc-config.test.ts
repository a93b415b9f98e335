import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { iceServersFrom } from "../../worker/routes/rtc-config";

describe("GET /api/rtc-config", () => {
  it("gives no ICE servers by default (peers on localhost meet directly)", async () => {
    const res = await SELF.fetch("http://tracker.test/api/rtc-config");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ iceServers: [] });
  });

  it("reads STUN/TURN servers from the ICE_SERVERS setting and ignores a broken one", () => {
    const turn = { urls: ["turn:turn.example.net:3478?transport=udp"], username: "u", credential: "c" };
    expect(iceServersFrom(JSON.stringify([{ urls: "stun:stun.example.net:3478" }, turn]))).toEqual([{ urls: "stun:stun.example.net:3478" }, turn]);
    expect(iceServersFrom("{not json")).toEqual([]);
    expect(iceServersFrom(JSON.stringify([{ nope: 1 }]))).toEqual([]);
  });
});
