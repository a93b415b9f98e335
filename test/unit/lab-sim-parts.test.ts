// The simulator's parts on their own (client/lab/sim): the event engine, piece selection, choking, rate
// allocation and coverage sampling. The whole simulator is checked in lab-simulator.test.ts.
import { describe, expect, it } from "vitest";
import { planRechoke } from "../../client/lab/sim/choker";
import { coverageSample } from "../../client/lab/sim/coverage";
import { EventQueue } from "../../client/lab/sim/event-queue";
import { pickEndgamePiece, pickPiece } from "../../client/lab/sim/piece-picker";
import { seededRandom } from "../../client/lab/sim/random";
import { RateAllocator } from "../../client/lab/sim/rates";
import { Link, PeerNode } from "../../client/lab/sim/swarm-model";

function peer(pieces: number, have: number[], up = 1, down = Infinity): PeerNode {
  const node = new PeerNode(pieces, up, down);
  for (const p of have) node.have[p] = 1;
  node.haveCount = have.length;
  while (node.firstMissing < pieces && node.have[node.firstMissing]) node.firstMissing++;
  return node;
}

describe("the event queue", () => {
  it("pops events in time order whatever the push order", () => {
    const queue = new EventQueue<{ t: number; id: number }>();
    const random = seededRandom(3);
    const times = Array.from({ length: 200 }, (_, id) => ({ t: Math.floor(random() * 50), id }));
    for (const e of times) queue.push(e);
    const popped: number[] = [];
    while (queue.size > 0) popped.push(queue.pop()!.t);
    expect(popped).toEqual(times.map((e) => e.t).sort((a, b) => a - b));
  });
});

describe("piece selection", () => {
  it("sequential takes the lowest piece the uploader has and the downloader neither has nor awaits", () => {
    const u = peer(6, [1, 2, 3, 4, 5]);
    const d = peer(6, [1]);
    d.inFlight[2] = 1;
    expect(pickPiece("sequential", u, d, 6, () => 0.5)).toBe(3);
  });

  it("rarest takes the piece with fewest copies among the downloader's peers, ties at random", () => {
    const u = peer(4, [0, 1, 2, 3]);
    const d = peer(4, []);
    d.rarity.set([3, 1, 2, 1]);
    const picks = new Set<number>();
    const random = seededRandom(9);
    for (let i = 0; i < 50; i++) picks.add(pickPiece("rarest", u, d, 4, random));
    expect([...picks].sort()).toEqual([1, 3]);
  });

  it("endgame asks again for a piece in flight from another peer, never twice from the same one", () => {
    const u = peer(2, [0, 1]);
    const d = peer(2, []);
    const other = new Link(7, 1);
    other.piece = 0;
    const same = new Link(0, 1);
    same.piece = 1;
    d.inLinks.push(other, same);
    d.inFlight[0] = 1;
    d.inFlight[1] = 1;
    expect(pickEndgamePiece(u, 0, d, 2)).toBe(0);
  });
});

describe("choking", () => {
  it("unchokes the best senders up to uploads − 1, one optimistic peer, and chokes the rest", () => {
    const node = peer(1, [0]);
    const links = Array.from({ length: 6 }, (_, i) => {
      const l = new Link(0, i + 1);
      l.interest = 1;
      l.reverse = new Link(i + 1, 0);
      l.reverse.totalBits = (i + 1) * 100; // peer 6 sent the most
      node.outLinks.push(l);
      return l;
    });
    const plan = planRechoke(node, 10, { uploadSlots: 3, optimisticRounds: 2 }, seededRandom(1), () => false);
    expect(plan.unchoke.slice(0, 2)).toEqual([links[5], links[4]]);
    expect(plan.unchoke).toHaveLength(3);
    expect(node.optimistic).toBe(plan.unchoke[2]);
    expect(plan.choke).toHaveLength(3);
    expect(new Set([...plan.unchoke, ...plan.choke]).size).toBe(6);
  });
});

describe("rate allocation", () => {
  it("splits upload over active links, caps at the downloader's rate and hands the rest to the others", () => {
    const nodes = [peer(1, [0], 300), peer(1, [], 0, 50), peer(1, [], 0, 1000)];
    const [a, b] = [new Link(0, 1), new Link(0, 2)];
    const { maxRate, sumRate } = new RateAllocator(nodes).allocate([a, b]);
    expect(a.rate).toBe(50);
    expect(b.rate).toBe(250);
    expect(maxRate).toBe(250);
    expect(sumRate).toBe(300);
  });
});

describe("coverage samples", () => {
  it("count distinct pieces and the rarest piece's copies", () => {
    expect(coverageSample(1.5, Int32Array.from([2, 0, 1]), 80)).toEqual({ t: 1.5, distinct: 2, minCopies: 0, serverBits: 80 });
  });
});
