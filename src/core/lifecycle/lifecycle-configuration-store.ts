/**
 * Where a bucket's lifecycle configuration lives: one hidden object in the bucket itself
 * (docs/STORAGE_FORMAT.md "Addendum: bucket lifecycle configuration"), so it survives
 * restarts and every proxy or middleware instance over the same backend sees the same
 * rules. The backend's own lifecycle configuration is never set.
 */
import { writeFile } from 'node:fs/promises';
import { MalformedXMLError, NoSuchKeyError, UnsupportedFormatError } from '../errors.js';
import { TOOL_ID } from '../format/metadata.js';
import { removeQuietly, type TempDir } from '../spool.js';
import type { ObjectStore } from '../store/object-store.js';
import type { LifecycleRule } from './lifecycle-rule.js';

/**
 * Backend key of the configuration. Hidden from listings and never a user key: its name
 * ends in `.delta.delta`, the delta variant of a key ending in `.delta`, which user keys
 * cannot (the same trick as compact baselines); not a reference, so reference collection
 * never touches it.
 */
export const LIFECYCLE_CONFIGURATION_KEY = '.deltaglider/lifecycle.delta.delta';
/** `format` field of the stored document. */
export const LIFECYCLE_CONFIGURATION_FORMAT = 'deltaglider-lifecycle';
/** Version this build writes and the newest it reads. */
export const LIFECYCLE_CONFIGURATION_VERSION = 1;
/** A stored document larger than this is not ours (S3 caps lifecycle XML well below it). */
const MAX_STORED_BYTES = 4 * 1024 * 1024;

/** What is stored: the XML exactly as the user sent it (GET returns it) and its parsed rules. */
export interface StoredLifecycleConfiguration {
  /** The PutBucketLifecycleConfiguration body, byte for byte (as UTF-8 text). */
  xml: string;
  /** The rules deltaglider evaluates. */
  rules: LifecycleRule[];
  /** When it was set (ISO-8601 UTC). */
  updatedAt: string;
}

/** Reads a bucket's lifecycle configuration, or undefined when none is set. */
export async function readLifecycleConfiguration(store: ObjectStore, bucket: string): Promise<StoredLifecycleConfiguration | undefined> {
  let got;
  try {
    got = await store.getObject(bucket, LIFECYCLE_CONFIGURATION_KEY);
  } catch (err) {
    if (err instanceof NoSuchKeyError) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of got.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STORED_BYTES) {
      got.body.destroy();
      throw new UnsupportedFormatError(`${bucket}/${LIFECYCLE_CONFIGURATION_KEY} is larger than ${MAX_STORED_BYTES} bytes: not a lifecycle configuration this build wrote`);
    }
    chunks.push(chunk);
  }
  let doc: { format?: unknown; version?: unknown; xml?: unknown; rules?: unknown; updatedAt?: unknown };
  try {
    doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof doc;
  } catch (err) {
    throw new UnsupportedFormatError(`${bucket}/${LIFECYCLE_CONFIGURATION_KEY} is not JSON`, { cause: err });
  }
  if (doc.format !== LIFECYCLE_CONFIGURATION_FORMAT || typeof doc.version !== 'number' || typeof doc.xml !== 'string' || !Array.isArray(doc.rules)) {
    throw new UnsupportedFormatError(`${bucket}/${LIFECYCLE_CONFIGURATION_KEY} is not a ${LIFECYCLE_CONFIGURATION_FORMAT} document`);
  }
  // A newer writer may have added rule kinds this build would not honour: applying only
  // the rules we understand could expire what the newer rules protect.
  if (doc.version > LIFECYCLE_CONFIGURATION_VERSION) {
    throw new UnsupportedFormatError(`${bucket}: lifecycle configuration version ${doc.version} was written by a newer deltaglider (this build reads up to ${LIFECYCLE_CONFIGURATION_VERSION})`);
  }
  return { xml: doc.xml, rules: doc.rules as LifecycleRule[], updatedAt: typeof doc.updatedAt === 'string' ? doc.updatedAt : '' };
}

/** Stores (replaces) a bucket's lifecycle configuration; the rules must already be checked. */
export async function writeLifecycleConfiguration(store: ObjectStore, temp: TempDir, bucket: string, xml: string, rules: LifecycleRule[], now = new Date()): Promise<void> {
  if (xml.length === 0) throw new MalformedXMLError();
  const body = Buffer.from(
    JSON.stringify({ format: LIFECYCLE_CONFIGURATION_FORMAT, version: LIFECYCLE_CONFIGURATION_VERSION, updatedAt: now.toISOString(), xml, rules }),
    'utf8',
  );
  const path = temp.file('lifecycle');
  try {
    await writeFile(path, body);
    await store.putObject(bucket, LIFECYCLE_CONFIGURATION_KEY, { path, size: body.length }, {
      metadata: { 'dg-tool': TOOL_ID, 'dg-note': 'lifecycle-configuration' },
      contentType: 'application/json',
    });
  } finally {
    await removeQuietly(path);
  }
}

/** Removes a bucket's lifecycle configuration (idempotent). */
export function deleteLifecycleConfiguration(store: ObjectStore, bucket: string): Promise<void> {
  return store.deleteObject(bucket, LIFECYCLE_CONFIGURATION_KEY);
}
