/**
 * Bucket and object configuration that decides what the backend may delete, hide or move:
 * lifecycle, versioning, object lock, replication, archive tiering. Each is either served
 * by deltaglider so that it works with deltas (lifecycle) or refused with a message naming
 * the reason; none of them is ever forwarded to the backend. docs/OPERATIONS.md
 * "Lifecycle, versioning, object lock and replication" records every decision.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import { MalformedXMLError, NoSuchBucketError, UnsafeConfigurationError } from '../core/errors.js';
import { OBJECT_LOCK_REASON, UNSAFE_CONFIGURATION_REASONS, VERSIONING_REASON } from '../core/lifecycle/unsafe-configurations.js';
import { S3Error } from './error-table.js';
import { parseLifecycleConfiguration } from './lifecycle-xml.js';
import type { S3Target } from './request.js';
import { DEFAULT_MAX_XML_BYTES, parseRoot, toText } from './xml-parse.js';

/** The operations of this file, by the query subresource and method that name them. */
const OPERATIONS: Record<string, Partial<Record<string, string>>> = {
  lifecycle: { GET: 'GetBucketLifecycleConfiguration', PUT: 'PutBucketLifecycleConfiguration', DELETE: 'DeleteBucketLifecycle' },
  versioning: { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' },
  'object-lock': { PUT: 'PutObjectLockConfiguration' },
  replication: { PUT: 'PutBucketReplication' },
  'intelligent-tiering': { PUT: 'PutBucketIntelligentTieringConfiguration' },
};
const OBJECT_OPERATIONS: Record<string, Partial<Record<string, string>>> = {
  retention: { PUT: 'PutObjectRetention' },
  'legal-hold': { PUT: 'PutObjectLegalHold' },
};

/** Operations refused outright (PutBucketVersioning is served: only Enabled is refused). */
const REFUSED = new Set(Object.keys(UNSAFE_CONFIGURATION_REASONS).filter((op) => op !== 'PutBucketVersioning'));

/** Headers that would ask the backend to lock an object or a new bucket. */
const OBJECT_LOCK_HEADERS = ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold', 'x-amz-bucket-object-lock-enabled'];

/** Names the configuration operation a request asks for, or undefined. */
export function configurationOperationOf(method: string, target: S3Target): string | undefined {
  if (target.bucket === undefined) return undefined;
  const table = target.key === undefined ? OPERATIONS : OBJECT_OPERATIONS;
  for (const name of target.query.keys()) {
    const op = table[name]?.[method];
    if (op) return op;
  }
  return undefined;
}

/**
 * Refuses a write whose headers ask for Object Lock (PutObject, CreateMultipartUpload,
 * CreateBucket): without this the lock would be silently dropped and the user would
 * believe the object protected.
 */
export function assertNoObjectLockHeaders(headers: IncomingHttpHeaders): void {
  for (const name of OBJECT_LOCK_HEADERS) {
    const v = headers[name];
    if (v === undefined || (name === 'x-amz-bucket-object-lock-enabled' && String(v).toLowerCase() !== 'true')) continue;
    throw new UnsafeConfigurationError(`${name}: ${OBJECT_LOCK_REASON}.`);
  }
}

/** A response to send: status and optional XML body. */
export interface ConfigurationResponse {
  status: number;
  xml?: string;
}

const EMPTY_VERSIONING = '<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>';

/**
 * Serves a configuration operation. `readBody` reads the (small, verified) request body.
 */
export async function serveConfiguration(op: string, engine: DeltaGliderEngine, bucket: string, readBody: () => Promise<Buffer>): Promise<ConfigurationResponse> {
  if (REFUSED.has(op)) throw new UnsafeConfigurationError(`${UNSAFE_CONFIGURATION_REASONS[op]}.`);
  switch (op) {
    case 'GetBucketLifecycleConfiguration':
      return { status: 200, xml: (await engine.getBucketLifecycle(bucket)).xml };
    case 'PutBucketLifecycleConfiguration': {
      const body = await readBody();
      const rules = parseLifecycleConfiguration(body);
      await engine.putBucketLifecycle({ bucket, xml: body.toString('utf8'), rules });
      return { status: 200 };
    }
    case 'DeleteBucketLifecycle':
      await engine.deleteBucketLifecycle(bucket);
      return { status: 204 };
    case 'GetBucketVersioning':
      await requireBucket(engine, bucket);
      return { status: 200, xml: EMPTY_VERSIONING };
    case 'PutBucketVersioning': {
      const parsed = parseRoot(await readBody(), 'VersioningConfiguration', DEFAULT_MAX_XML_BYTES);
      const status = parsed?.Status === undefined ? undefined : toText(parsed.Status)?.trim();
      if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw new MalformedXMLError();
      if (status === 'Enabled') throw new UnsafeConfigurationError(`${VERSIONING_REASON}.`);
      // Suspended (or nothing) on a bucket that is never versioned changes nothing.
      await requireBucket(engine, bucket);
      return { status: 200 };
    }
    default:
      throw new S3Error('NotImplemented', `${op} is not implemented.`);
  }
}

async function requireBucket(engine: DeltaGliderEngine, bucket: string): Promise<void> {
  if (!(await engine.headBucket(bucket))) throw new NoSuchBucketError(bucket);
}
