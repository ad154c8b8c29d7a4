/**
 * The last step of every delta write: `key.delta` in, the plain variant out, under the
 * key's exclusive lock; for the compactor (`replacing`), only if the pending object is
 * still there (pending-switch.ts), and only after the delta was decoded back to the very
 * bytes it encodes.
 */
import { IntegrityError } from '../errors.js';
import { deltaKeyOf } from '../format/keys.js';
import { removeQuietly } from '../spool.js';
import { keyLock, withCodec, type EngineContext } from './context.js';
import { switchPendingToDelta } from './pending-switch.js';
import type { PutFields, SourceFile } from './put-fields.js';
import { sha256File } from './reconstruct.js';

/** Writes `key.delta` and removes the plain variant: the key is never missing. */
export async function writeDeltaVariant(ctx: EngineContext, fields: PutFields, body: { path: string; size: number }, metadata: Record<string, string>): Promise<void> {
  const { bucket, key } = fields;
  const options = { metadata, contentType: fields.contentType, headers: fields.headers };
  await ctx.locks.exclusive(keyLock(bucket, key), async () => {
    if (fields.replacing) return switchPendingToDelta(ctx.store, bucket, key, fields.replacing.etag, body, options);
    await ctx.store.putObject(bucket, deltaKeyOf(key), body, options);
    await ctx.store.deleteObject(bucket, key);
  });
}

/** The compactor's check before it replaces anything: the delta decodes to the source's bytes. */
export async function verifyDelta(ctx: EngineContext, referencePath: string, deltaPath: string, source: SourceFile, fields: PutFields): Promise<void> {
  const out = ctx.temp.file('verify');
  try {
    const decoded = await withCodec(ctx, () => ctx.options.codec.decode(referencePath, deltaPath, out, { signal: fields.signal, maxOutputBytes: source.size }));
    const sha = decoded.sha256 ?? (await sha256File(out));
    if (decoded.size !== source.size || sha !== source.sha256) {
      throw new IntegrityError(`the delta encoded for ${fields.bucket}/${fields.key} decodes to ${decoded.size} bytes with SHA-256 ${sha}, expected ${source.size} bytes with ${source.sha256}: not stored`);
    }
  } finally {
    await removeQuietly(out);
  }
}
