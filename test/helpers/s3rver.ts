/**
 * Shared fixture: a real s3rver on port 0 with a private directory.
 * Tests need Node's --openssl-legacy-provider (set in the tap config) for
 * s3rver's ListObjectsV2 continuation tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3rverFixture {
  endpoint: string;
  port: number;
  directory: string;
  /** A plain client (no plugin) talking to s3rver directly. */
  client: S3Client;
  close(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts s3rver; returns its endpoint and a client. */
export async function startS3rver(): Promise<S3rverFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'dg-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, resetOnClose: true });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    port: address.port,
    directory,
    client,
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
