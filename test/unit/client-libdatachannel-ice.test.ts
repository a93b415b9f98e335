import { describe, expect, it } from "vitest";
import { libdatachannelIceServers } from "../../client/lib/webrtc-node";

describe("ICE servers handed to libdatachannel (Node peers)", () => {
  it("percent-encodes TURN credentials, whose username carries a colon in the TURN REST scheme", () => {
    const minted = { urls: ["turn:100.64.0.1:3478?transport=udp"], username: "1796595193:2f5db5b27b7d9b53", credential: "VBL1u8oTM2i9cUSaFy3O1t/NXM4=" };
    expect(libdatachannelIceServers([minted])).toEqual([
      { urls: minted.urls, username: "1796595193%3A2f5db5b27b7d9b53", credential: "VBL1u8oTM2i9cUSaFy3O1t%2FNXM4%3D" },
    ]);
  });

  it("leaves servers without credentials (STUN) as they are, and the input untouched", () => {
    const stun = { urls: "stun:stun.test:3478" };
    const turn = { urls: "turn:t:3478", username: "a:b", credential: "c" };
    expect(libdatachannelIceServers([stun, turn])[0]).toBe(stun);
    expect(turn.username).toBe("a:b");
  });
});
