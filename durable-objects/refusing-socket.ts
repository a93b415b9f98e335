// A WebSocket the tracker accepts only to refuse: it answers the client's first frame with the protocol's
// `failure reason` (naming the action and info hash when it can read them), then closes with 1008. Stock
// clients show a failure reason to their users; a refused upgrade would read as a network error.
// Layer: adapter (runs in the worker; no object is involved).
import { CLOSE_CODES, failureFrame, parseClientFrame } from "../protocol/tracker";
import { closeQuietly, trySend } from "./connection-guard";

export function refusingSocket(reason: string): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.addEventListener("message", (event) => {
    const parsed = typeof event.data === "string" ? parseClientFrame(event.data) : null;
    const context = parsed?.ok && parsed.message.kind !== "scrape" ? { action: "announce", infoHash: parsed.message.infoHash } : {};
    trySend(server, failureFrame(reason, context));
    closeQuietly(server, CLOSE_CODES.policyViolation, reason.slice(0, 120));
  });
  server.addEventListener("close", (event) => closeQuietly(server, event.code));
  return new Response(null, { status: 101, webSocket: client });
}
