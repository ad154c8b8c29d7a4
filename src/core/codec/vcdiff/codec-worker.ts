/**
 * Worker thread entry of the TypeScript codec: runs one job at a time and
 * answers with the result or a serialized error (see codec-worker-pool.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { CodecJob } from './codec-worker-pool.js';
import { serializeError } from './codec-worker-pool.js';
import { decodeVcdiff } from './decoder.js';
import { encodeVcdiff } from './encoder.js';
import { ReferenceViewCache } from './reference-view-cache.js';

const port = parentPort;
if (!port) throw new Error('codec-worker.js must run as a worker thread');

const references = new ReferenceViewCache();

async function encode(job: Extract<CodecJob, { op: 'encode' }>): Promise<{ size: number }> {
  try {
    const reference = await references.get(job.referencePath);
    return await encodeVcdiff(job.referencePath, job.targetPath, job.deltaPath, { maxOutputBytes: job.maxOutputBytes, reference });
  } finally {
    references.idle();
  }
}

port.on('message', (job: CodecJob) => {
  const run = job.op === 'encode' ? encode(job) : decodeVcdiff(job.referencePath, job.deltaPath, job.outPath, { maxOutputBytes: job.maxOutputBytes });
  run.then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: serializeError(err) }),
  );
});
