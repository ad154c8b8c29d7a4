/**
 * Corruption behind our back: a flipped byte or a truncation in a stored delta, in
 * reference.bin or in a passthrough object, or reference.bin deleted directly on the
 * backend. GET must answer 500 InternalError with a clear message (never wrong bytes,
 * and for these objects before the first byte) and log the cause; HEAD and LIST keep
 * working.
 */
import t from 'tap';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { ENDPOINT_KINDS, recordResults, startEndpoint, tamperBackend } from './helpers.js';

const BUCKET = 'corrupt';
const data = versions(48 * 1024, 3, 11);

type Tamper = { name: string; target: 'delta' | 'reference' | 'passthrough'; mutate: ((b: Buffer) => Buffer) | null };
const TAMPERS: Tamper[] = [
  { name: 'flip a byte in a delta', target: 'delta', mutate: (b) => flip(b, Math.floor(b.length / 2)) },
  { name: 'flip the last byte of a delta', target: 'delta', mutate: (b) => flip(b, b.length - 1) },
  { name: 'truncate a delta', target: 'delta', mutate: (b) => b.subarray(0, Math.floor(b.length / 2)) },
  { name: 'empty a delta', target: 'delta', mutate: () => Buffer.alloc(0) },
  { name: 'flip a byte in reference.bin', target: 'reference', mutate: (b) => flip(b, 1234) },
  { name: 'truncate reference.bin', target: 'reference', mutate: (b) => b.subarray(0, b.length - 100) },
  { name: 'delete reference.bin', target: 'reference', mutate: null },
  { name: 'flip a byte in a passthrough object', target: 'passthrough', mutate: (b) => flip(b, 777) },
  { name: 'truncate a passthrough object', target: 'passthrough', mutate: (b) => b.subarray(0, b.length - 1) },
];

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x5a;
  return c;
}

const figures = { cases: 0, corruptGetsRefused: 0, wrongBytesServed: 0, headOk: 0, listOk: 0, causesLogged: 0 };

for (const kind of ENDPOINT_KINDS) {
  t.test(kind, async (t) => {
    const ep = await startEndpoint(kind, { maxAttempts: 1 });
    t.teardown(() => ep.close());
    await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [i, tamper] of TAMPERS.entries()) {
      await t.test(tamper.name, async (t) => {
        const space = `space${i}`;
        for (const [v, buf] of data.entries()) {
          await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v${v}.zip`, Body: buf }));
        }
        await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/plain.bin`, Body: data[1] }));
        // v0 seeded the reference (its self-delta); v1, v2 are real deltas; plain.bin is passthrough.
        const backendKey = { reference: `${space}/reference.bin`, delta: `${space}/v1.zip.delta`, passthrough: `${space}/plain.bin` }[tamper.target];
        await tamperBackend(ep, BUCKET, backendKey, tamper.mutate);
        // A restart or cache eviction: the engine must read the backend again.
        await ep.engine.references.clear();
        const logsBefore = ep.logs.length;
        const affected = { reference: [0, 1, 2], delta: [1], passthrough: [3] }[tamper.target];
        for (const v of [0, 1, 2, 3]) {
          figures.cases++;
          const key = v === 3 ? `${space}/plain.bin` : `${space}/v${v}.zip`;
          const want = (v === 3 ? data[1] : data[v]) as Buffer;
          let status = 200;
          let code: string | undefined;
          let message = '';
          let body: Buffer | undefined;
          try {
            const got = await ep.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
            body = Buffer.from(await got.Body!.transformToByteArray());
          } catch (err) {
            status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
            code = (err as { name?: string }).name;
            message = (err as Error).message;
          }
          if (affected.includes(v)) {
            t.equal(status, 500, `${key}: 500`);
            t.equal(code, 'InternalError', `${key}: InternalError`);
            t.match(message, /integrity/i, `${key}: the message says why`);
            if (status === 500) figures.corruptGetsRefused++;
          } else {
            t.equal(status, 200, `${key} untouched reads fine`);
          }
          if (body && !body.equals(want)) figures.wrongBytesServed++;
          if (body) t.ok(body.equals(want), `${key}: never wrong bytes`);
          // HEAD keeps working (a truncated passthrough object reports what the backend holds).
          const head = await ep.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
          t.ok(head.ContentLength === want.length || (tamper.target === 'passthrough' && v === 3), `${key}: HEAD answers (${head.ContentLength} bytes)`);
          figures.headOk++;
        }
        const list = await ep.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${space}/` }));
        t.same((list.Contents ?? []).map((o) => o.Key), [`${space}/plain.bin`, `${space}/v0.zip`, `${space}/v1.zip`, `${space}/v2.zip`], 'LIST keeps working and hides internals');
        figures.listOk++;
        const logged = ep.logs.slice(logsBefore).filter((l) => JSON.stringify(l).match(/corrupt|could not be decoded|failed verification|missing|SHA-256/));
        t.ok(logged.length > 0, 'the cause is logged');
        if (logged.length > 0) figures.causesLogged++;
      });
    }
  });
}

t.teardown(() => {
  recordResults('corruption', {
    'endpoints (proxy, middleware x s3rver, filesystem)': ENDPOINT_KINDS.length,
    'corruptions injected': ENDPOINT_KINDS.length * TAMPERS.length,
    'GETs checked': figures.cases,
    'corrupt GETs refused with 500 InternalError': figures.corruptGetsRefused,
    'wrong bytes served': figures.wrongBytesServed,
    'HEADs answered': figures.headOk,
    'LISTs answered': figures.listOk,
    'cases with the cause logged': figures.causesLogged,
  }, TAMPERS.map((x) => `case: ${x.name}`));
});
