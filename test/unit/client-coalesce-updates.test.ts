// One request update per event-loop turn (client/lib/coalesce-updates.ts): calls made while one is pending
// fold into it; a later turn gets its own; a destroyed torrent gets none.
import { describe, expect, it } from "vitest";
import { coalesceUpdates } from "../../client/lib/coalesce-updates";

const turn = () => new Promise((resolve) => setImmediate(resolve));

function fakeTorrent() {
  const t = { destroyed: false, calls: 0, _update() {
    t.calls++;
  } };
  return t;
}

describe("coalesced updates", () => {
  it("runs one update for a burst of calls in the same turn, after the turn", async () => {
    const t = fakeTorrent();
    coalesceUpdates(t as never);
    for (let i = 0; i < 50; i++) t._update();
    expect(t.calls).toBe(0);
    await turn();
    expect(t.calls).toBe(1);
  });

  it("runs again for calls in a later turn, and never on a destroyed torrent", async () => {
    const t = fakeTorrent();
    coalesceUpdates(t as never);
    t._update();
    await turn();
    t._update();
    t._update();
    await turn();
    expect(t.calls).toBe(2);
    t._update();
    t.destroyed = true;
    await turn();
    expect(t.calls).toBe(2);
  });

  it("wraps a torrent only once", async () => {
    const t = fakeTorrent();
    coalesceUpdates(t as never);
    coalesceUpdates(t as never);
    t._update();
    await turn();
    await turn();
    expect(t.calls).toBe(1);
  });
});
