// Typings for @thaunknown/simple-peer 10 (untyped JavaScript): the WebRTC peer that bittorrent-tracker and
// webtorrent build on. Only what the tests drive directly.
declare module "@thaunknown/simple-peer/lite.js" {
  import { EventEmitter } from "node:events";

  export type SignalData = { type: "offer" | "answer" | "candidate" | "renegotiate"; sdp?: string; candidate?: unknown };

  export interface PeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration & { bindAddress?: string };
    channelName?: string;
    iceCompleteTimeout?: number;
  }

  export interface PeerEvents {
    signal: [data: SignalData];
    connect: [];
    data: [chunk: Uint8Array];
    close: [];
    error: [error: Error & { code?: string }];
  }

  export default class Peer extends EventEmitter<PeerEvents> {
    constructor(opts?: PeerOptions);
    readonly connected: boolean;
    readonly destroyed: boolean;
    signal(data: SignalData): void;
    send(chunk: string | Uint8Array): void;
    destroy(error?: Error): void;
  }
}
