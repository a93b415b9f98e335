// The tracker on Cloudflare: `/announce/<hash>` sockets go to their swarm's Durable Object; `/announce` sockets
// are held by the worker and multiplexed onto the swarm objects (durable-objects/announce-mux.ts); HTTP
// announces are an RPC to the swarm's object. Layer: adapter (the host behind worker/routes/tracker.ts).
import { AnnounceMux } from "../durable-objects/announce-mux";
import { refusingSocket } from "../durable-objects/refusing-socket";
import { INFO_HASH_HEADER, REMOTE_ADDR_HEADER } from "../durable-objects/socket-host";
import { meter } from "../durable-objects/usage";
import type { CloudflareEnv } from "./env";
import type { TrackerHost } from "./routes/tracker";

export const cloudflareTracker: TrackerHost<CloudflareEnv> = {
  acceptSocket(c, infoHash, addr) {
    if (infoHash === undefined) {
      // One socket for any number of swarms, held here, one upstream socket per swarm it announces in.
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      new AnnounceMux(server, c.env, addr);
      return new Response(null, { status: 101, webSocket: client });
    }
    // A socket bound to one swarm lives in that swarm's object: offers and answers take no extra hop.
    const forwarded = new Request(c.req.raw);
    forwarded.headers.set(REMOTE_ADDR_HEADER, addr);
    forwarded.headers.set(INFO_HASH_HEADER, infoHash);
    meter.doRequests++;
    return c.env.SWARMS.get(c.env.SWARMS.idFromName(infoHash)).fetch(forwarded);
  },
  refuseSocket: (_c, reason) => refusingSocket(reason),
  announce: (c) => (request) => {
    meter.doRpc++;
    return c.env.SWARMS.get(c.env.SWARMS.idFromName(request.infoHash)).httpAnnounce(request);
  },
};
