import type { Operation } from "./crdt.js";

/** What a replica keeps across restarts: every op it holds, and how far the server has acknowledged its own. */
export interface ReplicaSnapshot {
  ops: Operation[];
  /** The highest seq of this replica's actor the server has acknowledged. */
  acked: number;
}

/**
 * Where replicas persist. An actor id is claimed by one live replica set at a time (crdt.md: never shared), and
 * is reused after a restart so its queued ops are sent under it.
 */
export interface ReplicaStore {
  claimActor(): Promise<string>;
  load(actor: string, videoId: string): Promise<ReplicaSnapshot | null>;
  save(actor: string, videoId: string, snapshot: ReplicaSnapshot): Promise<void>;
}

export function newActorId(prefix = "web"): string {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** In memory: one actor per store (a Node process, a test). */
export class MemoryReplicaStore implements ReplicaStore {
  private readonly actor: string;
  private readonly snapshots = new Map<string, ReplicaSnapshot>();

  constructor(actor = newActorId("node")) {
    this.actor = actor;
  }

  claimActor(): Promise<string> {
    return Promise.resolve(this.actor);
  }

  load(actor: string, videoId: string): Promise<ReplicaSnapshot | null> {
    const snapshot = this.snapshots.get(`${actor}/${videoId}`);
    return Promise.resolve(snapshot ? structuredClone(snapshot) : null);
  }

  save(actor: string, videoId: string, snapshot: ReplicaSnapshot): Promise<void> {
    this.snapshots.set(`${actor}/${videoId}`, structuredClone(snapshot));
    return Promise.resolve();
  }
}

/**
 * IndexedDB, for browsers. Each tab claims an actor under a Web Lock held while the tab lives: a reloaded tab (or a
 * new one, once the old tab closed) takes over a free actor and with it that actor's queued edits; two open tabs
 * never share one.
 */
export class IndexedDbReplicaStore implements ReplicaStore {
  private database: Promise<IDBDatabase> | null = null;

  constructor(private readonly name = "phyght-replicas") {}

  async claimActor(): Promise<string> {
    const known = (await this.request<string[]>("actors", "readonly", (s) => s.getAllKeys() as IDBRequest<string[]>)) ?? [];
    for (const actor of known) {
      if (await this.lock(actor)) {
        return actor;
      }
    }
    const actor = newActorId();
    await this.request("actors", "readwrite", (s) => s.put({ created_at: Date.now() }, actor));
    await this.lock(actor);
    return actor;
  }

  async load(actor: string, videoId: string): Promise<ReplicaSnapshot | null> {
    return (await this.request<ReplicaSnapshot | undefined>("snapshots", "readonly", (s) => s.get(`${actor}/${videoId}`))) ?? null;
  }

  async save(actor: string, videoId: string, snapshot: ReplicaSnapshot): Promise<void> {
    await this.request("snapshots", "readwrite", (s) => s.put(snapshot, `${actor}/${videoId}`));
  }

  /** Takes the actor's lock if no other tab holds it, and holds it until this page goes away. */
  private lock(actor: string): Promise<boolean> {
    return new Promise((acquired) => {
      void navigator.locks.request(`phyght.actor.${actor}`, { ifAvailable: true }, (lock) => {
        acquired(lock !== null);
        return lock === null ? undefined : new Promise(() => undefined);
      });
    });
  }

  private open(): Promise<IDBDatabase> {
    this.database ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("actors");
        request.result.createObjectStore("snapshots");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.database;
  }

  private async request<T>(store: string, mode: IDBTransactionMode, make: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const database = await this.open();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(store, mode);
      const request = make(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onerror = () => reject(transaction.error);
    });
  }
}
