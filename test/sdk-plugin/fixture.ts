/**
 * Shared setup for the SDK plugin tests: s3rver, a client with the plugin, a plain client.
 */
import { S3Client, CreateBucketCommand, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startS3rver, TEST_CREDENTIALS, type S3rverFixture } from '../helpers/s3rver.js';
import { deltaGlider, type DeltaGliderPlugin, type DeltaGliderPluginInputConfig } from '../../src/sdk-plugin/index.js';

export interface PluginFixture {
  s3: S3rverFixture;
  /** A client with the plugin installed. */
  client: S3Client;
  /** A client without it, talking to s3rver directly (sees the backend layout). */
  plain: S3Client;
  plugin: DeltaGliderPlugin;
  /** Another client + plugin on the same s3rver. */
  makeClient(options?: DeltaGliderPluginInputConfig, config?: Partial<S3ClientConfig>): { client: S3Client; plugin: DeltaGliderPlugin };
  close(): Promise<void>;
}

export async function startPluginFixture(options: DeltaGliderPluginInputConfig = {}, buckets = ['bkt']): Promise<PluginFixture> {
  const s3 = await startS3rver();
  const made: { client: S3Client; plugin: DeltaGliderPlugin }[] = [];
  const makeClient = (opts: DeltaGliderPluginInputConfig = options, config: Partial<S3ClientConfig> = {}) => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: TEST_CREDENTIALS,
      // s3rver stores aws-chunked framing verbatim: only send checksums when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...config,
    });
    const plugin = deltaGlider(opts);
    client.middlewareStack.use(plugin);
    made.push({ client, plugin });
    return { client, plugin };
  };
  const { client, plugin } = makeClient(options);
  for (const b of buckets) await s3.client.send(new CreateBucketCommand({ Bucket: b }));
  return {
    s3,
    client,
    plain: s3.client,
    plugin,
    makeClient,
    async close() {
      for (const m of made) {
        await m.plugin.close();
        m.client.destroy();
      }
      await s3.close();
    },
  };
}
