// WebRTC for Node peers: fixes to webrtc-polyfill's RTCPeerConnection (node-datachannel → libdatachannel) so
// WebTorrent's non-trickle signalling connects fast and reliably. Layer: client/lib, Node only.
//
// webtorrent 3 and bittorrent-tracker build their peers with @thaunknown/simple-peer, which imports
// RTCPeerConnection from `webrtc-polyfill` directly (`tracker.wrtc` / `globalThis.WRTC` are ignored), so the
// only place to fix it is that class's prototype: every connection either package creates inherits the fixes.
import { RTCPeerConnection, RTCPeerConnectionIceEvent } from "webrtc-polyfill";

/**
 * How long an answering peer waits, once its answer is out, before it also tries the candidates it held back
 * from a libdatachannel offer (see `setRemoteDescription` below). Long after any tracker round trip, so the
 * offerer has applied the answer by then; short enough to still help where only the answerer can open a NAT.
 */
export const HELD_CANDIDATES_DELAY_MS = 3_000;

const INSTALLED = Symbol.for("edgeswarm.webrtc-node.installed");

type HeldCandidate = { candidate: string; sdpMid: string };

/** Per connection, kept off the polyfill's object so nothing it does can collide with it. */
type ConnectionState = {
  /** The last gathering state seen, to announce the end of gathering once per gathering round. */
  gathering: RTCIceGatheringState | null;
  /** Remote candidates withheld from an offer; added late only if the connection has not come up. */
  held: HeldCandidate[];
  heldTimer: ReturnType<typeof setTimeout> | null;
};

const connections = new WeakMap<RTCPeerConnection, ConnectionState>();

/** The polyfill's event takes the candidate as its only argument (unlike the DOM's `(type, init)`). */
const IceEvent = RTCPeerConnectionIceEvent as unknown as new (candidate: RTCIceCandidate | null) => Event;

/**
 * Installs the fixes on the RTCPeerConnection that webrtc-polyfill exports. Idempotent: the prototype is
 * marked, so a second call (or a second copy of this module) changes nothing.
 */
export function installNodeWebRtcFixes(): void {
  const proto = RTCPeerConnection.prototype as RTCPeerConnection & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;

  type Method = (this: RTCPeerConnection, ...args: unknown[]) => Promise<unknown>;
  const methods = proto as unknown as Record<"createOffer" | "createAnswer" | "setLocalDescription" | "setRemoteDescription", Method>;
  // Read one by one: class methods are not enumerable, so a spread would copy none of them.
  const original = {
    createOffer: methods.createOffer,
    createAnswer: methods.createAnswer,
    setLocalDescription: methods.setLocalDescription,
    setRemoteDescription: methods.setRemoteDescription,
  };

  // Fix 1, the ~10 s connection delay. libdatachannel reports `iceGatheringState === "complete"` but the
  // polyfill never fires the final `icecandidate` event with `candidate: null`. simple-peer without trickle
  // (how bittorrent-tracker uses it) sends its offer/answer only on that event, else after its 5 s
  // ICE-complete timeout — 5 s per side. Gathering starts with the local description, so watch from there.
  for (const name of ["createOffer", "createAnswer", "setLocalDescription"] as const) {
    methods[name] = function (...args) {
      watch(this);
      return original[name].apply(this, args);
    };
  }

  // Fix 2, randomly failing Node↔Node handshakes (libdatachannel 0.24). Given an offer with candidates, the
  // answering side starts ICE checks at once, before its answer reaches the offerer; ICE can then complete
  // before the offerer stored the remote description whose DTLS fingerprint it checks, and the handshake
  // fails ("certificate verify failed", then "Got a remote candidate without ICE transport" when the answer
  // arrives). Applying a libdatachannel offer without its candidates makes the answerer wait for the
  // offerer's checks (it learns it as a peer-reflexive candidate), which start only once the offerer has the
  // answer. Browsers' DTLS stacks buffer an early handshake, so their offers are applied unchanged. The
  // held-back candidates are added after HELD_CANDIDATES_DELAY_MS if still not connected, for networks where
  // only the answerer's own checks can open a path (NAT).
  methods.setRemoteDescription = function (...args) {
    const state = watch(this); // an answerer's ICE transport may start with the remote description
    const description = args[0] as RTCSessionDescriptionInit | undefined;
    if (description?.type === "offer" && typeof description.sdp === "string" && isLibdatachannelSdp(description.sdp)) {
      const { sdp, candidates } = withoutCandidates(description.sdp);
      if (candidates.length > 0) {
        state.held = candidates;
        return original.setRemoteDescription.call(this, { type: "offer", sdp });
      }
    }
    return original.setRemoteDescription.apply(this, args);
  };

  Object.defineProperty(proto, INSTALLED, { value: true });
}

/** Whether the fixes are in place on the class simple-peer uses. */
export function nodeWebRtcFixesInstalled(): boolean {
  return (RTCPeerConnection.prototype as { [INSTALLED]?: true })[INSTALLED] === true;
}

function watch(pc: RTCPeerConnection): ConnectionState {
  let state = connections.get(pc);
  if (state) return state;
  state = { gathering: null, held: [], heldTimer: null };
  connections.set(pc, state);
  const current = state;
  pc.addEventListener("icegatheringstatechange", () => onGatheringStateChange(pc, current));
  return state;
}

function onGatheringStateChange(pc: RTCPeerConnection, state: ConnectionState): void {
  const gathering = readSafely(() => pc.iceGatheringState);
  if (gathering === null || gathering === state.gathering) return;
  state.gathering = gathering;
  if (gathering !== "complete") return;
  // The end-of-candidates signal of the spec; simple-peer then sends its description at once.
  pc.dispatchEvent(new IceEvent(null));
  if (state.held.length > 0 && state.heldTimer === null) {
    state.heldTimer = setTimeout(() => addHeldCandidates(pc, state), HELD_CANDIDATES_DELAY_MS);
    state.heldTimer.unref?.();
  }
}

function addHeldCandidates(pc: RTCPeerConnection, state: ConnectionState): void {
  const held = state.held;
  state.held = [];
  const ice = readSafely(() => pc.iceConnectionState);
  if (ice !== "new" && ice !== "checking") return; // connected, failed or closed: nothing to help
  for (const candidate of held) pc.addIceCandidate(candidate).catch(() => undefined);
}

/** Reads a state getter of a connection that may already be closed (the native side then throws). */
function readSafely<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** libdatachannel names its SDP origin `rtc` (`o=rtc <session id> 0 IN IP4 …`); browsers use `-` or `mozilla…`. */
export function isLibdatachannelSdp(sdp: string): boolean {
  return /^o=rtc /m.test(sdp);
}

/**
 * Splits the `a=candidate` lines (and `a=end-of-candidates`, so candidates may still be added later) out of an
 * SDP, each with the mid of its media section.
 */
export function withoutCandidates(sdp: string): { sdp: string; candidates: HeldCandidate[] } {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const kept: string[] = [];
  const candidates: HeldCandidate[] = [];
  let section: string[] = []; // candidates of the current media section, tagged once its a=mid is known
  let mid = "0";
  let media = 0;
  const closeSection = () => {
    for (const candidate of section) candidates.push({ candidate, sdpMid: mid });
    section = [];
  };
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      closeSection();
      mid = String(media++); // RFC 8829: without a=mid, the m-line index identifies the section
    } else if (line.startsWith("a=mid:")) {
      mid = line.slice("a=mid:".length).trim();
    } else if (line.startsWith("a=candidate:")) {
      section.push(line.slice("a=".length));
      continue;
    } else if (line === "a=end-of-candidates") {
      continue;
    }
    kept.push(line);
  }
  closeSection();
  return { sdp: kept.join(eol), candidates };
}

/**
 * ICE servers as libdatachannel must get them. The polyfill folds a TURN server's credentials into its URL
 * (`turn:<username>:<credential>@host`) without escaping them, and libdatachannel splits that at the first `:`,
 * so a TURN REST username (`<expiry>:<id>`, issue 16) would reach the TURN server cut short and be refused.
 * libdatachannel percent-decodes both parts, so percent-encoding them here carries any username through.
 */
export function libdatachannelIceServers<T extends { urls: string | string[]; username?: string; credential?: unknown }>(servers: readonly T[]): T[] {
  return servers.map((server) =>
    typeof server.username === "string" && typeof server.credential === "string"
      ? { ...server, username: encodeURIComponent(server.username), credential: encodeURIComponent(server.credential) }
      : server,
  );
}
