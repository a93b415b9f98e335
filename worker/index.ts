// Worker entry (Cloudflare): the app (worker/app.ts) with the tracker on Durable Objects, and the Durable Object
// classes. Layer: adapter.
import { createApp } from "./app";
import { cloudflareTracker } from "./cloudflare";

export { SwarmObject } from "../durable-objects/swarm-object";

export default createApp({ tracker: cloudflareTracker, objectStorage: true });
