/**
 * CopyObject: the source is read (reconstructed and verified) and stored again through
 * the ordinary PUT rules, since the destination may be in another deltaspace.
 */
import { IntegrityError, PreconditionFailedError } from '../errors.js';
import { assertUserKey } from '../format/keys.js';
import { removeQuietly, spoolToFile } from '../spool.js';
import type { EngineContext } from './context.js';
import { getObject, headObject } from './get-object.js';
import { putSpool } from './put-object.js';
import type { CopyObjectInput, CopyObjectResult } from './types.js';

/** CopyObject through the same PUT rules. */
export async function copyObject(ctx: EngineContext, input: CopyObjectInput): Promise<CopyObjectResult> {
  assertUserKey(input.key);
  const source = await getObject(ctx, { bucket: input.sourceBucket, key: input.sourceKey, conditions: input.sourceConditions }).catch((err) => {
    // Conditions on a copy source answer 412, never 304.
    if ((err as { code?: string }).code === 'NotModified') throw new PreconditionFailedError();
    throw err;
  });
  const spool = await spoolToFile(source.body, ctx.temp);
  try {
    if (spool.sha256 !== source.info.sha256 && source.info.sha256 && source.info.storageType !== 'passthrough') {
      throw new IntegrityError(`copy source ${input.sourceKey} changed while being read`);
    }
    const replace = input.metadataDirective === 'REPLACE';
    const result = await putSpool(ctx, spool, {
      bucket: input.bucket,
      key: input.key,
      contentType: replace ? input.contentType : source.info.contentType,
      userMetadata: replace ? input.userMetadata : source.info.userMetadata,
      headers: replace ? input.headers : source.info.headers,
    });
    const now = await headObject(ctx, { bucket: input.bucket, key: input.key });
    return { etag: result.etag, lastModified: now.lastModified, storageType: result.storageType };
  } finally {
    await removeQuietly(spool.path);
  }
}
