/**
 * Worker thread entry of the TypeScript codec: runs one job at a time and
 * answers with the result or a serialized error (see codec-worker-pool.ts).
 * Besides jobs it takes two control messages: `abort` (the running job stops at
 * its next window and answers with the abort error) and `exit` (sent only while
 * idle: the worker closes its port and ends by itself, never terminated).
 */
import { stat } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import type { CodecJob, CodecControl } from './codec-worker-pool.js';
import { serializeError } from './codec-worker-pool.js';
import { decodeVcdiff } from './decoder.js';
import { warmUpDecoder } from './decoder-warm-up.js';
import { encodeVcdiff } from './encoder.js';
import { ReferenceViewCache } from './reference-view-cache.js';
import { DEFAULT_SLAB_BYTES } from './reference-view.js';
import { releaseMemory } from './release-memory.js';

const port = parentPort;
if (!port) throw new Error('codec-worker.js must run as a worker thread');

const references = new ReferenceViewCache(undefined, releaseMemory);
let running: AbortController | undefined;

/**
 * Set by a job over a reference larger than a slab: such a job holds the most
 * memory a worker ever does (a slab, its index, full-size buffers), so its
 * buffers are collected as soon as it is done (releaseMemory) and the worker
 * lives on. Caching a sliced reference would save little anyway: its slabs are
 * indexed per window.
 */
let large = false;

async function encode(job: Extract<CodecJob, { op: 'encode' }>, signal: AbortSignal): Promise<{ size: number }> {
  const reference = await references.get(job.referencePath, job.slabBytes);
  try {
    return await encodeVcdiff(job.referencePath, job.targetPath, job.deltaPath, {
      maxOutputBytes: job.maxOutputBytes,
      reference,
      signal,
      level: job.level,
    });
  } finally {
    if (reference.sliced) {
      large = true;
      await references.clear();
    } else references.idle();
  }
}

/** Set once the decoder's loops have been warmed up (decoder-warm-up.ts says why). */
let decoderWarm = false;

async function decode(job: Extract<CodecJob, { op: 'decode' }>, signal: AbortSignal): Promise<{ size: number; sha256: string }> {
  if (!decoderWarm) {
    warmUpDecoder();
    decoderWarm = true;
  }
  if ((await stat(job.referencePath)).size > (job.slabBytes ?? DEFAULT_SLAB_BYTES)) large = true;
  return decodeVcdiff(job.referencePath, job.deltaPath, job.outPath, { maxOutputBytes: job.maxOutputBytes, signal });
}

port.on('message', (msg: CodecJob | CodecControl) => {
  if (msg.op === 'abort') {
    running?.abort(new Error('aborted'));
    return;
  }
  if (msg.op === 'exit') {
    // Idle by the pool's word: drop what is held and let the event loop run dry.
    void references.clear().then(() => port.close());
    return;
  }
  const ac = (running = new AbortController());
  large = false;
  const run = msg.op === 'encode' ? encode(msg, ac.signal) : decode(msg, ac.signal);
  const answer = (reply: object): void => {
    running = undefined;
    port.postMessage(reply);
    if (large) releaseMemory();
  };
  run.then(
    (result) => answer({ ok: true, result }),
    (err: unknown) => answer({ ok: false, error: serializeError(err) }),
  );
});
