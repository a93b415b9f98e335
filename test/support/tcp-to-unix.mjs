#!/usr/bin/env node
// Runs inside a lab namespace (namespace-bridge.ts): accepts TCP on <host>:<port> and pipes each connection to
// the Unix socket <path>, which the test process serves from the host's namespace. Prints "listening" when up.
// Plain JavaScript so it starts in a blink. Test support, Node only.
import { connect, createServer } from "node:net";

const [host, port, socketPath] = process.argv.slice(2);
const server = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.on("close", end);
  upstream.on("close", end);
});
server.listen(Number(port), host, () => console.log("listening"));
process.on("SIGTERM", () => process.exit(0));
