/**
 * Worker thread entry of the TypeScript codec: runs one job at a time and
 * answers with the result or a serialized error (see codec-worker-pool.ts).
 */
import { stat } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import type { CodecJob } from './codec-worker-pool.js';
import { serializeError } from './codec-worker-pool.js';
import { decodeVcdiff } from './decoder.js';
import { encodeVcdiff } from './encoder.js';
import { ReferenceViewCache } from './reference-view-cache.js';
import { DEFAULT_SLAB_BYTES } from './reference-view.js';

const port = parentPort;
if (!port) throw new Error('codec-worker.js must run as a worker thread');

const references = new ReferenceViewCache();

/**
 * Set by a job over a reference larger than a slab: such a job takes the most
 * memory a worker ever holds (a slab, its index, full-size buffers), and an
 * idle worker's heap is seldom collected, so the worker asks to be retired
 * after it, which returns that memory at once. Caching a sliced reference
 * would save little anyway: its slabs are indexed per window.
 */
let retire = false;

async function encode(job: Extract<CodecJob, { op: 'encode' }>): Promise<{ size: number }> {
  const reference = await references.get(job.referencePath);
  try {
    return await encodeVcdiff(job.referencePath, job.targetPath, job.deltaPath, { maxOutputBytes: job.maxOutputBytes, reference });
  } finally {
    if (reference.sliced) {
      retire = true;
      await references.clear();
    } else references.idle();
  }
}

async function decode(job: Extract<CodecJob, { op: 'decode' }>): Promise<{ size: number; sha256: string }> {
  if ((await stat(job.referencePath)).size > DEFAULT_SLAB_BYTES) retire = true;
  return decodeVcdiff(job.referencePath, job.deltaPath, job.outPath, { maxOutputBytes: job.maxOutputBytes });
}

port.on('message', (job: CodecJob) => {
  const run = job.op === 'encode' ? encode(job) : decode(job);
  run.then(
    (result) => port.postMessage({ ok: true, result, retire }),
    (err: unknown) => port.postMessage({ ok: false, error: serializeError(err), retire }),
  );
});
