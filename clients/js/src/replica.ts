import { ok, type PhyghtClient, type Video } from "./client.js";
import { normalizeTag, normalizeValue, VideoDocument, type Operation, type OpType, type VectorClock, type VideoFields } from "./crdt.js";
import { PhyghtError } from "./errors.js";
import type { components } from "./generated/api.js";
import type { VideoChanged } from "./realtime.js";
import { MemoryReplicaStore, type ReplicaStore } from "./store.js";

type SyncResponse = components["schemas"]["SyncResponse"];

/** A `/sync` batch holds at most this many ops (api.md) … */
const MAX_BATCH = 1000;
/** … and stays well under the API's 1 MB JSON body limit. */
const MAX_BATCH_BYTES = 512 * 1024;
const MAX_BACKOFF_MS = 30_000;

export interface ReplicaOptions {
  /** Where the actor id, the ops and the queue persist; memory when not given. */
  store?: ReplicaStore;
  /** Follow the video live over SignalR (default true). */
  live?: boolean;
}

export interface ReplicaState extends VideoFields {
  /** The server's video as last seen (status, URLs, …); its metadata fields may lag the replica's own. */
  video: Video | null;
  version: number;
  vector_clock: VectorClock;
  /** Local edits the server has not acknowledged yet. */
  pending: number;
  /** False while the last attempt to reach the server failed; edits keep working. */
  online: boolean;
  deleted: boolean;
  /** A refusal that retrying cannot fix (the edit queue stops until the replica is reopened). */
  error: PhyghtError | null;
}

const actors = new WeakMap<ReplicaStore, Promise<string>>();
const open = new WeakMap<ReplicaStore, Map<string, Promise<VideoReplica>>>();
const defaultStore = new MemoryReplicaStore();

/**
 * One video, editable offline (crdt.md). Edits apply at once and are queued with seq, lamport and context, then
 * sent by a sync loop (batches of ≤ 1,000, pulls until `has_more` is false, backoff while the server cannot be
 * reached); live events and reconnects trigger a pull. Its fields equal the server's fold whenever both hold the
 * same ops.
 */
export class VideoReplica {
  private readonly doc = new VideoDocument();
  private readonly listeners = new Set<(state: ReplicaState) => void>();
  private video: Video | null = null;
  private acked = 0;
  private online = true;
  private deleted = false;
  private error: PhyghtError | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private closed = false;
  private users = 0;
  private readonly cleanup: (() => void)[] = [];

  private constructor(
    private readonly client: PhyghtClient,
    readonly videoId: string,
    readonly actor: string,
    private readonly store: ReplicaStore,
  ) {}

  /** The video's replica on this store: one per (store, video) at a time, shared by whoever opens it (each
   * `close()` gives one back), since two would hand out the same actor's seqs twice. */
  static async open(client: PhyghtClient, videoId: string, options: ReplicaOptions = {}): Promise<VideoReplica> {
    const store = options.store ?? defaultStore;
    const openOnStore = open.get(store) ?? new Map<string, Promise<VideoReplica>>();
    open.set(store, openOnStore);
    let opening = openOnStore.get(videoId);
    if (!opening) {
      opening = VideoReplica.create(client, videoId, store, options.live ?? true);
      openOnStore.set(videoId, opening);
      opening.catch(() => openOnStore.delete(videoId));
    }
    const replica = await opening;
    replica.users++;
    return replica;
  }

  private static async create(client: PhyghtClient, videoId: string, store: ReplicaStore, live: boolean): Promise<VideoReplica> {
    let actor = actors.get(store);
    if (!actor) {
      actor = store.claimActor();
      actors.set(store, actor);
    }
    const replica = new VideoReplica(client, videoId, await actor, store);
    const saved = await store.load(replica.actor, videoId);
    for (const op of saved?.ops ?? []) {
      replica.doc.apply(op);
    }
    replica.acked = saved?.acked ?? 0;
    if (live) {
      // Pulled again once subscribed (and after each reconnect): a change committed before that is not sent live.
      replica.cleanup.push(client.realtime.subscribe(videoId, (change) => replica.onChange(change), null, () => void replica.sync()));
    }
    // A refusal for want of rights may end with the next sign-in.
    replica.cleanup.push(client.auth.onChange(() => {
      if (replica.error?.status === 401 || replica.error?.status === 403) {
        replica.error = null;
        replica.syncNow();
      }
    }));
    const online = () => replica.syncNow();
    globalThis.addEventListener?.("online", online);
    replica.cleanup.push(() => globalThis.removeEventListener?.("online", online));
    void replica.sync();
    return replica;
  }

  get state(): ReplicaState {
    return {
      ...this.doc.fields,
      video: this.video,
      version: this.doc.version,
      vector_clock: this.doc.clock,
      pending: this.pendingCount(),
      online: this.online,
      deleted: this.deleted,
      error: this.error,
    };
  }

  /** Every op the replica holds (its own queued ones included). */
  operations(): Operation[] {
    return this.doc.operations();
  }

  subscribe(listener: (state: ReplicaState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  setTitle(title: string): Promise<void> {
    const value = normalizeValue("update_title", title) as string;
    check(value.length > 0 && value.length <= 200 && !hasControl(value), "A title is 1–200 characters without control characters.");
    return this.edit("update_title", value);
  }

  setDescription(description: string | null): Promise<void> {
    check(description === null || (description.length <= 5000 && !hasControl(description)), "A description is at most 5,000 characters without control characters.");
    return this.edit("update_description", description);
  }

  setCategory(category: string | null): Promise<void> {
    check(category === null || (category.length <= 100 && !hasControl(category)), "A category is at most 100 characters without control characters.");
    return this.edit("update_category", category);
  }

  setFeatured(featured: boolean): Promise<void> {
    return this.edit("update_featured", featured);
  }

  addTag(tag: string): Promise<void> {
    return this.edit("add_tag", validTag(tag));
  }

  removeTag(tag: string): Promise<void> {
    return this.edit("remove_tag", validTag(tag));
  }

  setTags(tags: string[]): Promise<void> {
    const normalized = [...new Set(tags.map(validTag))];
    check(normalized.length <= 50, "At most 50 tags.");
    return this.edit("set_tags", normalized);
  }

  /** Sends what is queued and pulls what the server holds; resolves when this round is over (failures leave the
   * edits queued and a retry scheduled). */
  sync(): Promise<void> {
    if (this.closed) {
      return Promise.resolve();
    }
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = null));
    return this.running;
  }

  close(): void {
    if (--this.users > 0 || this.closed) {
      return;
    }
    open.get(this.store)?.delete(this.videoId);
    this.closed = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
    }
    for (const undo of this.cleanup) {
      undo();
    }
  }

  private syncNow(): void {
    this.failures = 0;
    void this.sync();
  }

  private async edit(type: OpType, value: Operation["value"]): Promise<void> {
    check(this.error === null, "This replica's queue was refused by the server; reopen it.");
    const op: Operation = {
      actor: this.actor,
      seq: (this.doc.clock[this.actor] ?? 0) + 1,
      lamport: this.doc.lamport + 1,
      type,
      value, // normalized by the setter that made it, as the server stores it
      // Required by removes (what they had seen); elsewhere optional, and it grows with the actors.
      ...(type === "remove_tag" || type === "set_tags" ? { context: this.doc.clock } : {}),
    };
    this.doc.apply(op);
    await this.persist();
    this.emit();
    void this.sync();
  }

  /** The oldest queued ops that fit one request. */
  private nextBatch(): Operation[] {
    const batch: Operation[] = [];
    let bytes = 0;
    for (const op of this.pendingOps()) {
      bytes += JSON.stringify(op).length;
      if (batch.length === MAX_BATCH || (batch.length > 0 && bytes > MAX_BATCH_BYTES)) {
        break;
      }
      batch.push(op);
    }
    return batch;
  }

  /** An actor's own ops are numbered 1, 2, 3, …: those above the acknowledged seq are queued. */
  private pendingCount(): number {
    return (this.doc.clock[this.actor] ?? 0) - this.acked;
  }

  private pendingOps(): Operation[] {
    return this.doc.operations().filter((op) => op.actor === this.actor && op.seq > this.acked);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.round();
        this.failures = 0;
        this.setOnline(true);
      } catch (error) {
        const refusal = error instanceof PhyghtError ? error : PhyghtError.network(error);
        if (refusal.status === 404) {
          this.deleted = true;
          this.emit();
          return;
        }
        if (refusal.status === 401 || refusal.status === 403) {
          this.error = refusal; // until the caller signs in (again), or as someone allowed to edit
          this.emit();
          return;
        }
        if (!refusal.transient) {
          this.error = refusal; // the server will refuse this queue every time: stop rather than hammer it
          this.emit();
          return;
        }
        this.setOnline(false);
        this.scheduleRetry(refusal.retryAfter);
        return;
      }
    } while (this.again && !this.closed);
  }

  /** One exchange per batch: the queued ops go up, the ops this replica lacks come down, until nothing is left. */
  private async round(): Promise<void> {
    while (!this.closed) {
      const batch = this.nextBatch();
      const response = await this.post(batch);
      if (this.closed) {
        return;
      }
      if (batch.length > 0) {
        this.acked = batch[batch.length - 1]!.seq;
      }
      let changed = batch.length > 0;
      for (const op of (response.operations ?? []) as Operation[]) {
        changed = this.doc.apply(op) || changed;
      }
      this.video = response.merged_video;
      if (changed) {
        await this.persist();
      }
      this.emit();
      if (!response.has_more && this.pendingCount() === 0) {
        return;
      }
    }
  }

  private async post(operations: Operation[]): Promise<SyncResponse> {
    const result = await this.client.api.POST("/sync", {
      body: {
        video_id: this.videoId,
        client_vector_clock: this.clockWithout(operations),
        client_version: this.doc.version - operations.length,
        operations: operations.map(({ actor, seq, lamport, type, value, context }) => ({ actor, seq, lamport, type, value, context })),
      } as never,
    });
    return ok(result) as SyncResponse;
  }

  /** The clock as the server should read it before this batch: the batch's own ops are what it brings. */
  private clockWithout(batch: Operation[]): VectorClock {
    const clock = this.doc.clock;
    if (batch.length > 0) {
      clock[this.actor] = batch[0]!.seq - 1;
      if (clock[this.actor] === 0) {
        delete clock[this.actor];
      }
    }
    return clock;
  }

  private onChange(change: VideoChanged): void {
    if (change.eventType === "DELETE") {
      this.deleted = true;
      this.emit();
      return;
    }
    this.video = change.new;
    const held = Object.entries(change.new?.vector_clock ?? {}).every(([actor, seq]) => this.doc.has(actor, Number(seq)));
    this.emit();
    if (!held) {
      void this.sync();
    }
  }

  private scheduleRetry(retryAfterSeconds?: number): void {
    if (this.closed || this.retryTimer) {
      return;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++) * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.sync();
    }, Math.max(backoff, (retryAfterSeconds ?? 0) * 1000));
  }

  private setOnline(online: boolean): void {
    if (this.online !== online) {
      this.online = online;
      this.emit();
    }
  }

  private persist(): Promise<void> {
    return this.store.save(this.actor, this.videoId, { ops: this.doc.operations(), acked: this.acked });
  }

  private emit(): void {
    const state = this.state;
    for (const listener of this.listeners) {
      listener(state);
    }
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new RangeError(message);
  }
}

function validTag(tag: string): string {
  const normalized = normalizeTag(tag);
  check(normalized.length >= 1 && normalized.length <= 50 && !hasControl(normalized), "A tag is 1–50 characters without control characters.");
  return normalized;
}

/** The API refuses control characters other than tab, newline and carriage return. */
function hasControl(text: string): boolean {
  return /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(text);
}
