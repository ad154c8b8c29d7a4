/**
 * `deltaglider/sdk-plugin`: DeltaGlider delta compression as an AWS SDK v3 plugin.
 *
 * @example
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { deltaGlider } from 'deltaglider/sdk-plugin';
 * const client = new S3Client({});
 * client.middlewareStack.use(deltaGlider());
 */
export {
  deltaGlider,
  deltaGliderMiddleware,
  deltaGliderMiddlewareOptions,
  deltaGliderConfigRecorderMiddleware,
  deltaGliderConfigRecorderOptions,
  type DeltaGliderPlugin,
} from './middleware.js';
export {
  resolveDeltaGliderPluginConfig,
  type DeltaGliderPluginInputConfig,
  type DeltaGliderPluginResolvedConfig,
  type DeltaGliderEnabledPredicate,
  type DeltaGliderClientLike,
} from './config.js';
