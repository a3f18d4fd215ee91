import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeTag, normalizeValue, VideoDocument, type Operation, type OpType } from "../src/crdt.js";

const SEED = 20261201;
const automerge = new URL("../../../Phyght.Tests/Unit/Crdt/Automerge/", import.meta.url);

/** Actors that each edit their own replica and now and then merge another's ops, as devices do. */
function histories() {
  const step = fc.record({
    actor: fc.nat(3),
    kind: fc.constantFrom<OpType | "merge">("update_title", "update_featured", "add_tag", "remove_tag", "set_tags", "merge"),
    tag: fc.constantFrom("mma", "bjj", "boxing", "judo"),
    other: fc.nat(3),
    text: fc.string({ minLength: 1, maxLength: 8 }),
  });
  return fc.array(step, { minLength: 1, maxLength: 60 }).map((steps) => {
    const replicas = [0, 1, 2, 3].map(() => new VideoDocument());
    const all: Operation[] = [];
    for (const s of steps) {
      const doc = replicas[s.actor]!;
      if (s.kind === "merge") {
        for (const op of replicas[s.other]!.operations()) {
          doc.apply(op);
        }
        continue;
      }
      const actor = `a${s.actor}`;
      const value = s.kind === "update_title" ? s.text : s.kind === "update_featured" ? s.text.length % 2 === 0 : s.kind === "set_tags" ? [s.tag, "mma"] : s.tag;
      const op: Operation = { actor, seq: (doc.clock[actor] ?? 0) + 1, lamport: doc.lamport + 1, type: s.kind, value, context: doc.clock };
      doc.apply(op);
      all.push(op);
    }
    return all;
  });
}

/** A small seeded generator, so each property run's orders are reproducible from fast-check's seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ops in any order (an actor's later op may come first), about one in five sent twice. */
function shuffled(ops: Operation[], seed: number): Operation[] {
  const next = random(seed);
  const out = ops.flatMap((op) => (next() < 0.2 ? [op, op] : [op]));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const options = { seed: SEED, numRuns: 300 };

describe("VideoDocument", () => {
  it("reaches the same state from any order of the same ops, duplicates included", () => {
    fc.assert(
      fc.property(histories(), fc.integer(), (ops, seed) => {
        const inOrder = VideoDocument.of(ops);
        const anyOrder = VideoDocument.of(shuffled(ops, seed));
        expect(anyOrder.fields).toEqual(inOrder.fields);
        expect(anyOrder.version).toBe(ops.length);
        expect(anyOrder.clock).toEqual(inOrder.clock);
      }),
      options,
    );
  });

  it("lets a concurrent add survive a remove that had not seen it (add wins)", () => {
    const add: Operation = { actor: "phone", seq: 1, lamport: 1, type: "add_tag", value: "mma" };
    const remove: Operation = { actor: "tab", seq: 1, lamport: 2, type: "remove_tag", value: "mma", context: {} };
    const seenRemove: Operation = { actor: "tab", seq: 2, lamport: 3, type: "remove_tag", value: "mma", context: { phone: 1, tab: 1 } };
    expect(VideoDocument.of([add, remove]).fields.tags).toEqual(["mma"]);
    expect(VideoDocument.of([remove, add]).fields.tags).toEqual(["mma"]);
    expect(VideoDocument.of([remove, seenRemove, add]).fields.tags).toEqual([]); // born removed
  });

  it("gives a register to the greatest (lamport, actor), whatever arrives first", () => {
    const a: Operation = { actor: "b", seq: 1, lamport: 5, type: "update_title", value: "B" };
    const b: Operation = { actor: "a", seq: 1, lamport: 5, type: "update_title", value: "A" };
    expect(VideoDocument.of([a, b]).fields.title).toBe("B");
    expect(VideoDocument.of([b, a]).fields.title).toBe("B");
  });

  it("normalizes tags and titles as the server does (.NET's Trim and ToLowerInvariant)", () => {
    expect(normalizeTag(" MMA\u0085")).toBe("mma");
    expect(normalizeTag("\uFEFFJudo")).toBe("\uFEFFjudo"); // not whitespace to .NET
    expect(normalizeTag("İstanbul")).toBe("İstanbul"); // its lower case is two units: .NET keeps it
    expect(normalizeValue("update_title", "  Main event \t")).toBe("Main event");
    expect(normalizeValue("set_tags", ["MMA", " mma", "BJJ"])).toEqual(["mma", "bjj"]);
  });

  it("reaches Automerge's state for the 100,000-op trace", () => {
    const lines = gunzipSync(readFileSync(new URL("crdt-trace.jsonl.gz", automerge))).toString("utf8").split("\n").filter(Boolean);
    const expected = JSON.parse(readFileSync(new URL("crdt-trace.expected.json", automerge), "utf8")) as Record<string, unknown>;
    const doc = VideoDocument.of(lines.map((line) => JSON.parse(line) as Operation));
    expect({ ...doc.fields, version: doc.version }).toEqual(expected);
  });
});

