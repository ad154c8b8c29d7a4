/**
 * Engines over each real store, for suites that run the same cases on both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeltaGliderEngine, FileSystemStore, S3Store, createCodec, type EngineOptions, type ObjectStore } from '../../src/index.js';
import { startS3rver, TEST_CREDENTIALS } from './s3rver.js';

export interface EngineFixture {
  name: 'filesystem' | 's3rver';
  engine: DeltaGliderEngine;
  store: ObjectStore;
  close(): Promise<void>;
}

type Extra = Partial<Omit<EngineOptions, 'store' | 'codec'>>;

export async function fsEngine(extra: Extra = {}): Promise<EngineFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-fs-'));
  const store = new FileSystemStore(dir);
  const engine = new DeltaGliderEngine({ store, codec: createCodec(), ...extra });
  return {
    name: 'filesystem',
    engine,
    store,
    async close() {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function s3rverEngine(extra: Extra = {}): Promise<EngineFixture> {
  const s3 = await startS3rver();
  const store = new S3Store({ endpoint: s3.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
  const engine = new DeltaGliderEngine({ store, codec: createCodec(), ...extra });
  return {
    name: 's3rver',
    engine,
    store,
    async close() {
      await engine.close();
      store instanceof S3Store && store.client.destroy();
      await s3.close();
    },
  };
}

/** Both fixtures, for `for (const make of ENGINE_FIXTURES)`. */
export const ENGINE_FIXTURES = [fsEngine, s3rverEngine] as const;

export function body(buf: Buffer | string): Readable {
  return Readable.from([typeof buf === 'string' ? Buffer.from(buf) : buf]);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
