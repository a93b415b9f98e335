// A WebSocket the tracker accepts only to refuse: it answers the client's first frame with the protocol's
// `failure reason` (naming the action and info hash when it can read them), then closes with 1008. Stock
// clients show a failure reason to their users; a refused upgrade would read as a network error.
// Layer: adapter (runs in the worker, or the in-process host's server; no swarm is involved).
import { CLOSE_CODES, failureFrame, parseClientFrame } from "../protocol/tracker";
import { closeQuietly, trySend } from "./connection-guard";

/** Refuses on `socket` (an accepted server-side socket of any runtime: both speak the web standard). */
export function refuseOnFirstFrame(socket: WebSocket, reason: string): void {
  socket.addEventListener("message", (event) => {
    const parsed = typeof event.data === "string" ? parseClientFrame(event.data) : null;
    const context = parsed?.ok && parsed.message.kind !== "scrape" ? { action: "announce", infoHash: parsed.message.infoHash } : {};
    trySend(socket, failureFrame(reason, context));
    closeQuietly(socket, CLOSE_CODES.policyViolation, reason.slice(0, 120));
  });
  socket.addEventListener("close", (event) => closeQuietly(socket, event.code));
}

/** A socket refused before its upgrade (a swarm's per-address cap): nothing is held for it. */
export function admissionRefused(reason: string): Response {
  return Response.json({ error: { code: "too_many_connections", message: reason } }, { status: 429 });
}

/** Cloudflare: the refusing socket as the upgrade's response. */
export function refusingSocket(reason: string): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  refuseOnFirstFrame(server, reason);
  return new Response(null, { status: 101, webSocket: client });
}
