import { describe, expect, it } from "vitest";
import { buildChordRing, chordState, distinctFingers, lookup, successorOf, type ChordRing } from "../../client/lab/discovery/chord";
import { chordPathLength } from "../../client/lab/discovery/theory";
import { seededRandom } from "../../client/lab/simulator";

const BITS = 32;

function meanOver(ring: ChordRing, lookups: number, seed: number, pick: (o: ReturnType<typeof lookup>) => number): number {
  const random = seededRandom(seed);
  let sum = 0;
  for (let i = 0; i < lookups; i++) sum += pick(lookup(ring, Math.floor(random() * ring.size), Math.floor(random() * 2 ** BITS)));
  return sum / lookups;
}

describe("a Chord ring", () => {
  const ring = buildChordRing(1_000, BITS, 2, seededRandom(1));

  it("points finger i of every node at successor(n + 2^i)", () => {
    for (const n of [0, 1, 500, 999]) {
      for (const i of [0, 5, 20, 31]) {
        const target = (ring.ids[n]! + 2 ** i) % 2 ** BITS;
        const finger = ring.fingers[n * BITS + i]!;
        // the finger is at or after the target, and no node lies between them
        const before = (finger - 1 + ring.size) % ring.size;
        const gap = (a: number, b: number) => (b - a + 2 ** BITS) % 2 ** BITS;
        expect(gap(target, ring.ids[finger]!)).toBeLessThan(gap(target, ring.ids[before]!) || 2 ** BITS);
      }
    }
  });

  it("answers every lookup at the key's successor, without failures", () => {
    const random = seededRandom(2);
    for (let i = 0; i < 2_000; i++) {
      const key = Math.floor(random() * 2 ** BITS);
      const outcome = lookup(ring, Math.floor(random() * ring.size), key);
      expect(outcome.ok).toBe(true);
      expect(outcome.answeredBy).toBe(successorOf(ring, key));
      expect(outcome.timeouts).toBe(0);
      expect(outcome.messages).toBe(2 * outcome.hops);
    }
  });

  it("keeps about log₂N distinct fingers per node", () => {
    let total = 0;
    for (let n = 0; n < ring.size; n++) total += distinctFingers(ring, n);
    expect(total / ring.size).toBeGreaterThan(Math.log2(ring.size) - 2);
    expect(total / ring.size).toBeLessThan(Math.log2(ring.size) + 3);
  });

  it("stores r pointers per (item, holder) on the key's successor and the next r − 1 nodes", () => {
    const keys = Float64Array.from([ring.ids[10]! - 1, ring.ids[20]!]);
    const holders = [Int32Array.from([1, 2, 3]), Int32Array.from([4])];
    const state = chordState(ring, keys, holders);
    const routing = (n: number) => distinctFingers(ring, n) + ring.successors + 1;
    expect(state[10]! - routing(10)).toBe(3);
    expect(state[11]! - routing(11)).toBe(3);
    expect(state[20]! - routing(20)).toBe(1);
    expect(state[21]! - routing(21)).toBe(1);
    expect(state[12]! - routing(12)).toBe(0);
  });
});

describe("Chord lookup length against ½·log₂N", () => {
  for (const size of [1_000, 10_000]) {
    it(`at N = ${size.toLocaleString("en-US")}: the paper's path length (r = 1) is within 10%`, () => {
      const ring = buildChordRing(size, BITS, 1, seededRandom(size));
      const steps = meanOver(ring, 2_000, 3, (o) => o.steps);
      expect(Math.abs(steps - chordPathLength(size)) / chordPathLength(size)).toBeLessThan(0.1);
    });

    it(`at N = ${size.toLocaleString("en-US")}: nodes contacted with the lab's r = 2, answering node included, are within 10%`, () => {
      const ring = buildChordRing(size, BITS, 2, seededRandom(size));
      const hops = meanOver(ring, 2_000, 3, (o) => o.hops);
      expect(Math.abs(hops - chordPathLength(size)) / chordPathLength(size)).toBeLessThan(0.1);
    });
  }
});

describe("Chord after nodes fail, with nothing repaired", () => {
  const size = 1_000;
  const base = buildChordRing(size, BITS, 1, seededRandom(4));
  const withList = (r: number): ChordRing => ({ ...base, successors: r });

  it("changes nothing while every node is up", () => {
    const alive = new Uint8Array(size).fill(1);
    const random = seededRandom(5);
    for (let i = 0; i < 500; i++) {
      const origin = Math.floor(random() * size);
      const key = Math.floor(random() * 2 ** BITS);
      expect(lookup(base, origin, key, alive)).toEqual(lookup(base, origin, key));
    }
  });

  it("with r = 1 fails every lookup whose key's successor is down; with r = 2 the next node answers after one timeout", () => {
    const primary = 100;
    const key = base.ids[primary]! - 1;
    const alive = new Uint8Array(size).fill(1);
    alive[primary] = 0;
    for (const origin of [0, 50, 99, 300, 900]) {
      expect(lookup(withList(1), origin, key, alive).ok).toBe(false);
      const outcome = lookup(withList(2), origin, key, alive);
      expect(outcome).toMatchObject({ ok: true, answeredBy: primary + 1 });
      expect(outcome.timeouts).toBeGreaterThanOrEqual(1);
      expect(outcome.messages).toBe(2 * outcome.hops + outcome.timeouts);
    }
  });

  it("fails fewer lookups the longer the successor list, for the same failed nodes", () => {
    const random = seededRandom(6);
    const alive = new Uint8Array(size).fill(1);
    for (let i = 0; i < size; i++) if (random() < 0.1) alive[i] = 0;
    const failures = (r: number) => {
      const lookups = seededRandom(7);
      let failed = 0;
      for (let i = 0; i < 2_000; i++) {
        let origin = Math.floor(lookups() * size);
        while (alive[origin] === 0) origin = (origin + 1) % size;
        if (!lookup(withList(r), origin, Math.floor(lookups() * 2 ** BITS), alive).ok) failed++;
      }
      return failed / 2_000;
    };
    const [one, two, four] = [failures(1), failures(2), failures(4)];
    // with r = 1 a lookup fails when the key's successor or its predecessor is down: ≈ 1 − 0.9² = 19%
    expect(one).toBeGreaterThan(0.12);
    expect(two).toBeLessThan(one / 2);
    expect(four).toBeLessThan(two);
  });

  it("answers only at the first live node at or after the key", () => {
    const random = seededRandom(8);
    const alive = new Uint8Array(size).fill(1);
    for (let i = 0; i < size; i++) if (random() < 0.2) alive[i] = 0;
    const ring = withList(4);
    for (let i = 0; i < 1_000; i++) {
      let origin = Math.floor(random() * size);
      while (alive[origin] === 0) origin = (origin + 1) % size;
      const key = Math.floor(random() * 2 ** BITS);
      const outcome = lookup(ring, origin, key, alive);
      if (!outcome.ok) continue;
      let expected = successorOf(ring, key);
      while (alive[expected] === 0) expected = (expected + 1) % size;
      expect(outcome.answeredBy).toBe(expected);
    }
  });
});
