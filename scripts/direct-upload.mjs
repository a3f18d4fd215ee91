// A frontend's direct, resumable upload with the stock Azure Storage SDK (api.md "Direct uploads").
//   node scripts/direct-upload.mjs <api-base-url> <access-token> <session-id> <file> start|resume
// start:  stages the file's blocks, 4 in parallel, printing {"staged","total"} after each (a test kills it midway).
// resume: asks the session which blocks storage holds, stages only the missing ones, commits the block list,
//         completes the session and prints {"held","staged","video"}.
import { open } from "node:fs/promises";
import { BlockBlobClient } from "@azure/storage-blob";

const [apiBase, token, sessionId, file, mode] = process.argv.slice(2);
const api = async (method, path) => {
  const response = await fetch(new URL(path, apiBase), { method, headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
};

const session = await api("GET", `/videos-upload/sessions/${sessionId}`);
const blob = new BlockBlobClient(session.upload_url);
const handle = await open(file);
const { size } = await handle.stat();
const count = Math.ceil(size / session.block_size);
// Block ids must all have the same length: the index, zero-padded, in base64.
const blockId = (i) => Buffer.from(`block-${String(i).padStart(6, "0")}`).toString("base64");
const held = new Set((session.blocks ?? []).map((b) => b.id));
const missing = [...Array(count).keys()].filter((i) => !held.has(blockId(i)));

let staged = 0;
const stage = async (i) => {
  const length = Math.min(session.block_size, size - i * session.block_size);
  const buffer = Buffer.alloc(length);
  await handle.read(buffer, 0, length, i * session.block_size);
  await blob.stageBlock(blockId(i), buffer, length);
  staged++;
  if (mode === "start") console.log(JSON.stringify({ staged: held.size + staged, total: count }));
};
const queue = [...missing];
await Promise.all([...Array(4)].map(async () => {
  while (queue.length > 0) await stage(queue.shift());
}));
await handle.close();
if (mode === "start") process.exit(0);

await blob.commitBlockList([...Array(count).keys()].map(blockId));
const video = await api("POST", `/videos-upload/sessions/${sessionId}/complete`);
console.log(JSON.stringify({ held: held.size, staged, video }));
