// The runtime's floor for the tracker benchmark (runtime-floor.ts): a Durable Object that echoes each frame
// `fanout` times, with hibernatable or standard sockets, and a worker that pipes a client socket to it (as
// the /announce multiplexer does). Our code does nothing else, so its CPU is workerd's own per-message cost.
export class Echo {
  constructor(ctx) {
    this.ctx = ctx;
  }
  async fetch(request) {
    const url = new URL(request.url);
    const fanout = Number(url.searchParams.get("fanout") ?? 1);
    const [client, server] = Object.values(new WebSocketPair());
    if (url.searchParams.get("sockets") === "standard") {
      server.accept();
      server.addEventListener("message", (event) => {
        for (let i = 0; i < fanout; i++) server.send(event.data);
      });
    } else {
      this.ctx.acceptWebSocket(server);
      this.fanout = fanout;
    }
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) {
    for (let i = 0; i < this.fanout; i++) ws.send(message);
  }
  webSocketClose(ws) {
    try {
      ws.close(1000);
    } catch {}
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.ECHO.get(env.ECHO.idFromName(url.searchParams.get("room") ?? "a"));
    if (url.pathname !== "/piped") return stub.fetch(request);
    // A worker-held client socket piped to one upstream socket into the object.
    const upstream = (await stub.fetch(new Request(url.href.replace("/piped", "/"), { headers: { Upgrade: "websocket" } }))).webSocket;
    upstream.accept();
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => upstream.send(event.data));
    upstream.addEventListener("message", (event) => server.send(event.data));
    server.addEventListener("close", () => {
      try {
        upstream.close(1000);
        server.close(1000);
      } catch {}
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};
