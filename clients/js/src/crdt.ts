/**
 * The CRDT of crdt.md as pure code: a video's metadata folded from its ops. Every replica that holds the same set
 * of ops, whatever order they arrived in, reaches the same state as the server's fold.
 */

export type OpType =
  | "update_title"
  | "update_description"
  | "update_category"
  | "update_featured"
  | "add_tag"
  | "remove_tag"
  | "set_tags";

/** `{actor: highest seq seen}`: exactly the set of ops a replica holds. */
export type VectorClock = Record<string, number>;

export interface Operation {
  actor: string;
  seq: number;
  lamport: number;
  type: OpType;
  value: string | boolean | string[] | null;
  context?: VectorClock | null;
  /** Set by the server on ops it returns: the user who submitted the op. */
  author?: string | null;
  received_at?: string;
}

export interface VideoFields {
  title: string | null;
  description: string | null;
  category: string | null;
  is_featured: boolean;
  /** Normalized (trimmed, lower-cased), sorted ordinally, as the server lists them. */
  tags: string[];
}

interface Register<T> {
  value: T;
  lamport: number;
  actor: string;
}

/** .NET's `Char.IsWhiteSpace`, which the server trims with: JavaScript's `\s` without U+FEFF, with U+0085. */
const EDGE_SPACE = /^(?:[^\S\uFEFF]|\u0085)+|(?:[^\S\uFEFF]|\u0085)+$/g;

/** Tags are compared after trimming and lower-casing, as the server does it (`Trim().ToLowerInvariant()`: one UTF-16
 * unit for one, so a letter whose lower case is longer, such as U+0130, stays as it is): `" MMA "` is `"mma"`. */
export function normalizeTag(tag: string): string {
  const trimmed = tag.replace(EDGE_SPACE, "");
  let lower = "";
  for (let i = 0; i < trimmed.length; i++) {
    const unit = trimmed[i]!; // a lone surrogate half maps to itself, as in .NET
    const mapped = unit.toLowerCase();
    lower += mapped.length === 1 ? mapped : unit;
  }
  return lower;
}

/** The value the server stores for an op: titles trimmed, tags normalized and de-duplicated in first-seen order. */
export function normalizeValue(type: OpType, value: Operation["value"]): Operation["value"] {
  switch (type) {
    case "update_title":
      return (value as string).replace(EDGE_SPACE, "");
    case "add_tag":
    case "remove_tag":
      return normalizeTag(value as string);
    case "set_tags":
      return [...new Set((value as string[]).map(normalizeTag))];
    default:
      return value ?? null;
  }
}

/** X beats Y when `(X.lamport, X.actor) > (Y.lamport, Y.actor)`, actors compared ordinally. */
export function beats(a: { lamport: number; actor: string }, b: { lamport: number; actor: string }): boolean {
  return a.lamport !== b.lamport ? a.lamport > b.lamport : a.actor > b.actor;
}

function covers(clock: VectorClock | null | undefined, actor: string, seq: number): boolean {
  return clock != null && (clock[actor] ?? 0) >= seq;
}

function mergeInto(into: VectorClock, context: VectorClock | null | undefined): void {
  for (const [actor, seq] of Object.entries(context ?? {})) {
    if (seq > (into[actor] ?? 0)) {
      into[actor] = seq;
    }
  }
}

/**
 * One video's document. Apply ops in any order: an op that arrives before an earlier op of its actor waits until
 * the gap is filled; a duplicate dot is ignored.
 */
export class VideoDocument {
  private readonly clockEntries: VectorClock = {};
  private readonly ops = new Map<string, Operation>();
  private readonly waiting = new Map<string, Operation>();
  private maxLamport = 0;
  private title: Register<string | null> | null = null;
  private description: Register<string | null> | null = null;
  private category: Register<string | null> | null = null;
  private featured: Register<boolean> | null = null;
  /** Per tag, per actor: the highest seq of a live add (a remove that covers it covers every lower seq too). */
  private readonly liveTagDots = new Map<string, Map<string, number>>();
  private readonly tagRemovals = new Map<string, VectorClock>();
  private readonly setTagsRemovals: VectorClock = {};

  static of(ops: Iterable<Operation>): VideoDocument {
    const doc = new VideoDocument();
    for (const op of ops) {
      doc.apply(op);
    }
    return doc;
  }

  /** The vector clock: the ops this document holds. */
  get clock(): VectorClock {
    return { ...this.clockEntries };
  }

  /** The count of distinct ops applied: the server's `version` for the same set. */
  get version(): number {
    return this.ops.size;
  }

  get lamport(): number {
    return this.maxLamport;
  }

  /** Every op held, each actor's in seq order. */
  operations(): Operation[] {
    return [...this.ops.values()];
  }

  has(actor: string, seq: number): boolean {
    return covers(this.clockEntries, actor, seq);
  }

  get fields(): VideoFields {
    return {
      title: this.title?.value ?? null,
      description: this.description?.value ?? null,
      category: this.category?.value ?? null,
      is_featured: this.featured?.value ?? false,
      tags: [...this.liveTagDots.keys()].sort(ordinal),
    };
  }

  /** Applies the op, then any waiting op it unblocks. Returns whether anything new was applied. */
  apply(op: Operation): boolean {
    const next = (this.clockEntries[op.actor] ?? 0) + 1;
    if (op.seq < next) {
      return false;
    }
    if (op.seq > next) {
      this.waiting.set(`${op.actor}\u0000${op.seq}`, op);
      return false;
    }
    let current: Operation | undefined = op;
    while (current) {
      this.applyNext(current);
      const key = `${current.actor}\u0000${current.seq + 1}`;
      current = this.waiting.get(key);
      this.waiting.delete(key);
    }
    return true;
  }

  private applyNext(op: Operation): void {
    this.clockEntries[op.actor] = op.seq;
    this.ops.set(`${op.actor}\u0000${op.seq}`, op);
    this.maxLamport = Math.max(this.maxLamport, op.lamport);
    switch (op.type) {
      case "update_title":
        this.title = this.register(this.title, op, op.value as string);
        break;
      case "update_description":
        this.description = this.register(this.description, op, (op.value as string | null) ?? null);
        break;
      case "update_category":
        this.category = this.register(this.category, op, (op.value as string | null) ?? null);
        break;
      case "update_featured":
        this.featured = this.register(this.featured, op, op.value === true);
        break;
      // Values as the server stores them (a replica's own ops are normalized when made).
      case "add_tag":
        this.addDot(op.value as string, op.actor, op.seq);
        break;
      case "remove_tag": {
        const tag = op.value as string;
        const removal = this.tagRemovals.get(tag) ?? {};
        mergeInto(removal, op.context);
        this.tagRemovals.set(tag, removal);
        this.prune(tag, op.context);
        break;
      }
      case "set_tags":
        mergeInto(this.setTagsRemovals, op.context);
        for (const tag of [...this.liveTagDots.keys()]) {
          this.prune(tag, op.context);
        }
        for (const tag of op.value as string[]) {
          this.addDot(tag, op.actor, op.seq);
        }
        break;
    }
  }

  private register<T>(current: Register<T> | null, op: Operation, value: T): Register<T> {
    return current !== null && !beats(op, current) ? current : { value, lamport: op.lamport, actor: op.actor };
  }

  private addDot(tag: string, actor: string, seq: number): void {
    if (covers(this.setTagsRemovals, actor, seq) || covers(this.tagRemovals.get(tag), actor, seq)) {
      return; // born removed: a remove that had seen it arrived first
    }
    const dots = this.liveTagDots.get(tag) ?? new Map<string, number>();
    dots.set(actor, Math.max(dots.get(actor) ?? 0, seq));
    this.liveTagDots.set(tag, dots);
  }

  /** Removes the tag's dots the context covers; a dot it had not seen survives (add wins). */
  private prune(tag: string, context: VectorClock | null | undefined): void {
    const dots = this.liveTagDots.get(tag);
    if (!dots || !context) {
      return;
    }
    for (const [actor, seq] of dots) {
      if (covers(context, actor, seq)) {
        dots.delete(actor);
      }
    }
    if (dots.size === 0) {
      this.liveTagDots.delete(tag);
    }
  }
}

function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
