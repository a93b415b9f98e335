// The simulator's parts on their own (client/lab/sim): the event engine, block bookkeeping, piece selection,
// pipelines, hot-swapping, choking, rate allocation and coverage sampling. The whole simulator is checked in
// lab-simulator.test.ts.
import { describe, expect, it } from "vitest";
import { planRechoke } from "../../client/lab/sim/choker";
import { coverageSample } from "../../client/lab/sim/coverage";
import { EventQueue } from "../../client/lab/sim/event-queue";
import { blockPipeline, hotswap, pickEndgameBlock, pickPiece, reserveBlocks, webSeedPipeline } from "../../client/lab/sim/piece-picker";
import { seededRandom } from "../../client/lab/sim/random";
import { RateAllocator } from "../../client/lab/sim/rates";
import { Link, PeerNode } from "../../client/lab/sim/swarm-model";

const BLOCK = 16 * 1024 * 8; // bits

/** A peer with `pieces` pieces of `blocks` blocks each, holding (and having announced) `have`. */
function peer(pieces: number, have: number[], up = 1, down = Infinity, blocks = 1): PeerNode {
  const node = new PeerNode(pieces, blocks, blocks, up, down);
  for (const p of have) {
    node.have[p] = 1;
    node.announced[p] = 1;
    for (let b = 0; b < blocks; b++) node.receiveBlock(p * blocks + b, false);
  }
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

describe("blocks", () => {
  it("keep a piece's received blocks when the other requests are cancelled (a choke or a departure)", () => {
    const d = peer(2, [], 1, Infinity, 4);
    const l = new Link(0, 1);
    expect(reserveBlocks(l, d, 0, 10)).toBe(4);
    expect(d.pieceFree[0]).toBe(0);
    d.receiveBlock(l.queue.shift()!, true);
    d.receiveBlock(l.queue.shift()!, true);
    for (const id of l.queue.splice(0)) d.unreserve(id); // the rest cancelled
    expect(d.pieceGot[0]).toBe(2);
    expect(d.pieceFree[0]).toBe(2); // only the two missing blocks are asked for again
    expect(d.freeBlocks).toBe(6);
  });

  it("count a block received twice as a duplicate", () => {
    const d = peer(1, [], 1, Infinity, 2);
    d.reserve(0);
    d.reserve(0); // endgame: two links asked for it
    expect(d.receiveBlock(0, true)).toBe(true);
    expect(d.receiveBlock(0, true)).toBe(false);
    expect(d.blockRes[0]).toBe(0);
  });
});

describe("piece selection", () => {
  it("sequential takes the lowest piece the uploader announced with a block the downloader neither has nor reserved", () => {
    const u = peer(6, [1, 2, 3, 4, 5]);
    const d = peer(6, [1]);
    d.reserve(2);
    u.announced[3] = 0; // verified but its HAVE has not arrived
    expect(pickPiece("sequential", u, d, 6, () => 0.5)).toBe(4);
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

  it("rarest skips pieces the speed ranker refuses, taking the next rarest", () => {
    const u = peer(3, [0, 1, 2]);
    const d = peer(3, []);
    d.rarity.set([1, 2, 3]);
    expect(pickPiece("rarest", u, d, 3, () => 0.5, (p) => p !== 0)).toBe(1);
  });

  it("a wire asks for every free block of the chosen piece until its pipeline is full", () => {
    const d = peer(2, [], 1, Infinity, 4);
    const other = new Link(5, 1);
    reserveBlocks(other, d, 0, 1); // another wire took block 0
    const l = new Link(0, 1);
    expect(reserveBlocks(l, d, 0, 2)).toBe(2);
    expect(l.queue).toEqual([1, 2]);
  });

  it("endgame asks again for a block requested elsewhere, never twice on the same link", () => {
    const u = peer(2, [0, 1]);
    const d = peer(2, []);
    const other = new Link(7, 1);
    reserveBlocks(other, d, 0, 1);
    const l = new Link(0, 1);
    reserveBlocks(l, d, 1, 1);
    expect(pickEndgameBlock(l, u, d, 2)).toBe(0);
  });
});

describe("pipelines (webtorrent's getBlockPipelineLength and getPiecePipelineLength)", () => {
  it("keep 2 + ⌈speed·duration / block⌉ blocks and min(1 + ⌈speed·duration / piece⌉, maxWebConns) web seed requests", () => {
    expect(blockPipeline(0, BLOCK, 1)).toBe(2);
    expect(blockPipeline(10 * BLOCK, BLOCK, 1)).toBe(12);
    expect(blockPipeline(10 * BLOCK, BLOCK, 0.5)).toBe(7);
    expect(webSeedPipeline(0, 4 * BLOCK, 1, 16)).toBe(1); // a web seed starts with one request in flight
    expect(webSeedPipeline(40 * BLOCK, 4 * BLOCK, 1, 16)).toBe(11);
    expect(webSeedPipeline(400 * BLOCK, 4 * BLOCK, 1, 16)).toBe(16);
  });
});

describe("hot-swapping", () => {
  const setup = (slowSpeed: number) => {
    const d = peer(1, [], 1, Infinity, 4);
    const slow = new Link(2, 1);
    const fast = new Link(3, 1);
    d.inLinks.push(slow, fast);
    reserveBlocks(slow, d, 0, 4);
    const speeds = new Map([
      [slow, slowSpeed],
      [fast, 10 * BLOCK],
    ]);
    return { d, slow, fast, speedOf: (l: Link) => speeds.get(l) ?? 0 };
  };

  it("frees a slow wire's blocks for a wire twice as fast, leaving the slow wire's requests queued (duplicates)", () => {
    const { d, slow, fast, speedOf } = setup(BLOCK);
    expect(hotswap(fast, d, 0, speedOf, BLOCK)).toBe(true);
    expect(d.pieceFree[0]).toBe(4);
    expect(slow.queue.every((id) => id < 0)).toBe(true); // still queued, no longer reservations
    expect(reserveBlocks(fast, d, 0, 10)).toBe(4);
  });

  it("leaves a wire at or above SPEED_THRESHOLD (3 blocks/s) alone", () => {
    const { d, fast, speedOf } = setup(3 * BLOCK);
    expect(hotswap(fast, d, 0, speedOf, BLOCK)).toBe(false);
    expect(d.pieceFree[0]).toBe(0);
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

  it("gives a web seed link a share per parallel response (the server paces responses evenly)", () => {
    const nodes = [peer(1, [0], 400), peer(1, [], 0, Infinity), peer(1, [], 0, Infinity)];
    const [a, b] = [new Link(0, 1), new Link(0, 2)];
    a.weight = 3;
    new RateAllocator(nodes).allocate([a, b]);
    expect(a.rate).toBe(300);
    expect(b.rate).toBe(100);
  });
});

describe("wire speed", () => {
  it("follows the rate with a time constant and decays while idle", () => {
    const l = new Link(0, 1);
    l.updateSpeed(2.5, 1000, 2.5);
    expect(l.speed).toBeCloseTo(1000 * (1 - Math.exp(-1)), 6);
    expect(l.speedNow(5, 2.5)).toBeCloseTo(l.speed * Math.exp(-1), 6);
  });
});

describe("coverage samples", () => {
  it("count distinct pieces and copies per piece (rarest, mean, most common)", () => {
    expect(coverageSample(1.5, Int32Array.from([2, 0, 1]), 80)).toEqual({ t: 1.5, distinct: 2, minCopies: 0, meanCopies: 1, maxCopies: 2, serverBits: 80 });
  });
});
