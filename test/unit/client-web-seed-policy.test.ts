// The web seed policy (client/lib/web-seed-policy.ts): peers first, the edge only when no peer connects, when
// no connected peer has a wanted piece, or when peers are too slow — and off again once they are healthy.
import { describe, expect, it } from "vitest";
import { ALWAYS_WEB_SEED_POLICY, DEFAULT_WEB_SEED_POLICY as P, decide, initialState, type Observation, type PolicyState, type WebSeedPolicy } from "../../client/lib/web-seed-policy";

function run(steps: Array<Partial<Observation> & { now: number }>, policy: WebSeedPolicy = P): Array<string | null> {
  let state: PolicyState = initialState(0);
  return steps.map((step) => {
    const result = decide(state, { peers: 0, peerRate: 0, missing: 10, gaps: 0, ...step }, policy);
    state = result.state;
    return result.decision.action && `${result.decision.action}: ${result.decision.reason}`;
  });
}

const fast = 4 * P.floorBytesPerSecond;

describe("the web seed policy", () => {
  it("leaves the edge alone while a peer serves well", () => {
    const actions = run([0, 500, 1000, 5000, 20000].map((now) => ({ now, peers: 1, peerRate: fast })));
    expect(actions.every((a) => a === null)).toBe(true);
  });

  it("uses the edge when no peer connects within the grace time, and only then", () => {
    expect(run([{ now: 0 }, { now: P.noPeerGraceMs - 1 }, { now: P.noPeerGraceMs }])).toEqual([null, null, "add: no peer connected"]);
  });

  it("uses the edge for pieces no connected peer has", () => {
    const steps = [0, 1000, 1000 + P.gapForMs].map((now) => ({ now, peers: 2, peerRate: fast, gaps: 3 }));
    expect(run(steps).at(-1)).toBe("add: 3 wanted pieces no connected peer has");
  });

  it("uses the edge when peers stay below the floor, then drops it once they are healthy for a while", () => {
    const slow = P.floorBytesPerSecond / 2;
    const actions = run([
      { now: 0, peers: 1, peerRate: slow },
      { now: P.slowForMs, peers: 1, peerRate: slow },
      { now: P.slowForMs + 1000, peers: 1, peerRate: fast },
      { now: P.slowForMs + 1000 + P.healthyForMs - 1, peers: 1, peerRate: fast },
      { now: P.slowForMs + 1000 + P.healthyForMs, peers: 1, peerRate: fast },
    ]);
    expect(actions).toEqual([null, "add: peers slower than the floor", null, null, "remove: peers are healthy"]);
  });

  it("keeps the edge while peers are fast but some piece is only there", () => {
    const actions = run([
      { now: 0 },
      { now: P.noPeerGraceMs },
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((s) => ({ now: P.noPeerGraceMs + s * 1000, peers: 1, peerRate: fast, gaps: 1 })),
    ]);
    expect(actions.filter(Boolean)).toEqual(["add: no peer connected"]);
  });

  it("drops the edge when nothing is left to fetch", () => {
    expect(run([{ now: 0 }, { now: P.noPeerGraceMs }, { now: P.noPeerGraceMs + 100, missing: 0 }]).filter(Boolean)).toEqual([
      "add: no peer connected",
      "remove: nothing left to fetch",
    ]);
  });

  it("with the always-on policy (the lab's hybrid) uses the edge at the first look and keeps it until nothing is missing", () => {
    const steps = [{ now: 0 }, { now: 60_000, peers: 5, peerRate: fast }, { now: 600_000, peers: 5, peerRate: fast }, { now: 600_500, peers: 5, peerRate: fast, missing: 0 }];
    expect(run(steps, ALWAYS_WEB_SEED_POLICY)).toEqual(["add: no peer connected", null, null, "remove: nothing left to fetch"]);
  });
});
