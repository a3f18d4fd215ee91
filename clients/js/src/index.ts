export { Auth, LocalStorageTokenStore, MemoryTokenStore, type TokenStore, type Tokens } from "./auth.js";
export { ok, PhyghtClient, type NewVideo, type PhyghtClientOptions, type Profile, type Video, type VideoListQuery, type VideoPage, type VideoUpdate } from "./client.js";
export { beats, normalizeTag, VideoDocument, type Operation, type OpType, type VectorClock, type VideoFields } from "./crdt.js";
export { PhyghtError, type Problem } from "./errors.js";
export { Realtime, type VideoChanged } from "./realtime.js";
export { VideoReplica, type ReplicaOptions, type ReplicaState } from "./replica.js";
export { IndexedDbReplicaStore, MemoryReplicaStore, newActorId, type ReplicaSnapshot, type ReplicaStore } from "./store.js";
export { MULTIPART_LIMIT, Uploads, type UploadOptions } from "./uploads.js";
export type { components, operations, paths } from "./generated/api.js";
