/**
 * The AWS SDK v3 plugin: `client.middlewareStack.use(deltaGlider(options))`.
 *
 * One initialize-step middleware reads `context.commandName` and `args.input`. For the
 * commands it handles (and buckets/keys it is enabled for) it short-circuits: the
 * engine does the work with internal requests sent through the same client (see
 * backend.ts), and the caller gets the output S3 would have given for the original
 * object. Everything else goes to `next()` untouched.
 */
import type {
  AbsoluteLocation,
  BuildHandlerOptions,
  BuildMiddleware,
  HandlerExecutionContext,
  InitializeHandlerOptions,
  InitializeMiddleware,
  MiddlewareStack,
  Pluggable,
} from '@smithy/types';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import { ReservedKeyError, UnsafeConfigurationError } from '../core/errors.js';
import { UNSAFE_CONFIGURATION_REASONS } from '../core/lifecycle/unsafe-configurations.js';
import { assertUserKey } from '../core/format/keys.js';
import { resolveDeltaGliderPluginConfig, type DeltaGliderPluginInputConfig, type DeltaGliderPluginResolvedConfig } from './config.js';
import { isInternal, isProbe, PluginBackend, PROBE, ProbeComplete } from './backend.js';
import { PluginUsageError, toSdkError } from './errors.js';
import * as h from './handlers.js';
import type { Input, Output } from './handlers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the middleware serves every S3 command. */
type AnyInput = any;
type AnyOutput = any;

/** Where the plugin's middleware sits: first thing in the initialize step. */
export const deltaGliderMiddlewareOptions: InitializeHandlerOptions & AbsoluteLocation & { override: true } = {
  name: 'deltaGliderMiddleware',
  step: 'initialize',
  priority: 'high',
  override: true,
  tags: ['DELTAGLIDER'],
};

/** Where the configuration recorder sits (a step every command has; no relative position). */
export const deltaGliderConfigRecorderOptions: BuildHandlerOptions & AbsoluteLocation & { override: true } = {
  name: 'deltaGliderConfigRecorderMiddleware',
  step: 'build',
  priority: 'high',
  override: true,
  tags: ['DELTAGLIDER'],
};

const OBJECT_COMMANDS = new Set([
  'PutObjectCommand',
  'GetObjectCommand',
  'HeadObjectCommand',
  'DeleteObjectCommand',
  'CopyObjectCommand',
  'GetObjectTaggingCommand',
]);

const UPLOAD_COMMANDS = new Set([
  'UploadPartCommand',
  'UploadPartCopyCommand',
  'CompleteMultipartUploadCommand',
  'AbortMultipartUploadCommand',
  'ListPartsCommand',
]);

/** Records the client configuration from request contexts; ends probe runs. */
export function deltaGliderConfigRecorderMiddleware(backend: PluginBackend): BuildMiddleware<AnyInput, AnyOutput> {
  return (next, context) => async (args) => {
    backend.observe(context);
    if (isProbe(args)) throw new ProbeComplete('configuration recorded');
    return next(args);
  };
}

/** The input without its body, flagged as a probe. */
function probeInput(input: Input): Input {
  const copy: Input = { ...input };
  delete copy.Body;
  (copy as Record<symbol, unknown>)[PROBE] = true;
  return copy;
}

/**
 * The middleware. `config` is the resolved plugin configuration; `backend` holds the
 * per-client state (discovered configuration, engine, engine-side multipart uploads).
 */
export function deltaGliderMiddleware(config: DeltaGliderPluginResolvedConfig, backend: PluginBackend): InitializeMiddleware<AnyInput, AnyOutput> {
  return (next, context: HandlerExecutionContext) => async (args) => {
    const input = args.input as Input;
    if (isInternal(input) || isProbe(args)) return next(args);
    const command = context.commandName ?? '';
    const bucket = typeof input?.Bucket === 'string' ? input.Bucket : undefined;
    if (bucket === undefined) return next(args);

    if (command === 'ListMultipartUploadsCommand') return withEngineUploads(await next(args), bucket, input, backend);
    const run = route(command, input, bucket, config, backend);
    if (!run) return next(args);

    const bodiless = command === 'HeadObjectCommand';
    const signal = (context as { __smithy_context?: { abortSignal?: AbortSignal } }).__smithy_context?.abortSignal;
    try {
      if (!backend.discovered) {
        try {
          await next({ ...args, input: probeInput(input), [PROBE]: true } as typeof args);
        } catch (err) {
          if (!(err instanceof ProbeComplete)) throw err;
        }
      }
      const engine = await backend.engine();
      const output = await run(engine, signal);
      if (output === h.FORWARD) return next(args);
      config.logger.debug({ command, bucket, key: input.Key }, 'deltaglider sdk-plugin handled');
      return { output: output as AnyOutput, response: { statusCode: (output.$metadata as { httpStatusCode: number }).httpStatusCode, headers: {} } };
    } catch (err) {
      if (err instanceof ProbeComplete) throw new PluginUsageError('internal probe escaped', { cause: err });
      throw toSdkError(err, { bodiless });
    }
  };
}

/** Which handler (if any) takes this request. */
function route(
  command: string,
  input: Input,
  bucket: string,
  config: DeltaGliderPluginResolvedConfig,
  backend: PluginBackend,
): ((engine: DeltaGliderEngine, signal?: AbortSignal) => Promise<Output | typeof h.FORWARD> | Output) | undefined {
  const key = typeof input.Key === 'string' ? input.Key : undefined;
  const on = (k: string): boolean => config.enabled(bucket, k);

  if (OBJECT_COMMANDS.has(command)) {
    if (key === undefined || !on(key)) return undefined;
    switch (command) {
      case 'PutObjectCommand':
        return (e, signal) => h.putObject(e, input, { signal });
      case 'GetObjectCommand':
        return (e, signal) => h.getObject(e, input, { signal });
      case 'HeadObjectCommand':
        return (e) => h.headObject(e, input);
      case 'DeleteObjectCommand':
        return (e) => h.deleteObject(e, input);
      case 'CopyObjectCommand':
        return (e) => h.copyObject(e, input);
      case 'GetObjectTaggingCommand':
        return (e) => h.getObjectTagging(e, input);
    }
  }
  const refusal = configurationRefusal(command, input);
  if (refusal !== undefined && on('')) return () => {
    throw new UnsafeConfigurationError(refusal);
  };
  if (command === 'ListObjectsV2Command' || command === 'ListObjectsCommand') {
    const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
    if (!on(prefix)) return undefined;
    return command === 'ListObjectsV2Command' ? (e) => h.listObjectsV2(e, input) : (e) => h.listObjects(e, input);
  }
  if (command === 'DeleteObjectsCommand') {
    const objects = ((input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? []);
    if (!objects.some((o) => typeof o.Key === 'string' && on(o.Key))) return undefined;
    return (e) => h.deleteObjects(e, input);
  }
  if (command === 'CreateMultipartUploadCommand') {
    if (key === undefined || !on(key)) return undefined;
    // Reserved names (reference.bin, *.delta) are refused here too, whatever the extension.
    if (isReservedKey(key)) return () => assertUserKey(key) as never;
    // Only delta-eligible keys are worth spooling locally; the rest stay native multipart.
    if (!config.eligible(key)) return undefined;
    return async (e) => {
      const out = await h.createMultipartUpload(e, input);
      backend.rememberUpload(String(out.UploadId));
      return out;
    };
  }
  if (UPLOAD_COMMANDS.has(command)) {
    const uploadId = typeof input.UploadId === 'string' ? input.UploadId : undefined;
    if (uploadId === undefined || !backend.engineUploads.has(uploadId)) return undefined;
    switch (command) {
      case 'UploadPartCommand':
        return (e, signal) => h.uploadPart(e, input, { signal });
      case 'CompleteMultipartUploadCommand':
        return (e) => h.completeMultipartUpload(e, input);
      case 'AbortMultipartUploadCommand':
        return (e) => h.abortMultipartUpload(e, input);
      case 'ListPartsCommand':
        return (e) => h.listParts(e, input);
      case 'UploadPartCopyCommand':
        return (e, signal) => h.uploadPartCopy(e, input, { signal });
    }
  }
  return undefined;
}

/** Why the plugin refuses a bucket-configuration command, or undefined when it does not. */
function configurationRefusal(command: string, input: Input): string | undefined {
  const op = command.replace(/Command$/, '');
  // The plugin has no background process to apply rules with; the backend would apply
  // them to reference.bin by its own age (docs/OPERATIONS.md).
  if (op === 'PutBucketLifecycleConfiguration' || op === 'PutBucketLifecycle') {
    return 'The deltaglider SDK plugin does not set lifecycle rules: the backend would expire reference.bin by its own age while younger deltas still need it. Set them through deltaglider-proxy or the middleware, which keep them and expire objects safely.';
  }
  if (op === 'PutBucketVersioning' && (input.VersioningConfiguration as { Status?: string } | undefined)?.Status !== 'Enabled') return undefined;
  const reason = UNSAFE_CONFIGURATION_REASONS[op];
  return reason === undefined ? undefined : `${reason}.`;
}

/** The plugin object: an SDK Pluggable plus `close()` to free temp files at shutdown. */
export interface DeltaGliderPlugin extends Pluggable<AnyInput, AnyOutput> {
  /** The validated options in effect. */
  readonly config: DeltaGliderPluginResolvedConfig;
  /** Frees temp files and cached references of every client this plugin was applied to. */
  close(): Promise<void>;
}

/**
 * The plugin. Options are validated here (TypeError/RangeError naming the option).
 *
 * @example
 * const client = new S3Client({ region: 'eu-west-1' });
 * client.middlewareStack.use(deltaGlider());
 */
export function deltaGlider(options: DeltaGliderPluginInputConfig = {}): DeltaGliderPlugin {
  const config = resolveDeltaGliderPluginConfig(options);
  const backends: PluginBackend[] = [];
  return {
    config,
    applyToStack(stack: MiddlewareStack<AnyInput, AnyOutput>) {
      const backend = new PluginBackend(config, stack);
      backends.push(backend);
      stack.add(deltaGliderMiddleware(config, backend), deltaGliderMiddlewareOptions);
      stack.add(deltaGliderConfigRecorderMiddleware(backend), deltaGliderConfigRecorderOptions);
    },
    async close() {
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

function isReservedKey(key: string): boolean {
  try {
    assertUserKey(key);
    return false;
  } catch (err) {
    return err instanceof ReservedKeyError;
  }
}

/**
 * ListMultipartUploads: the backend's answer plus the uploads this client's engine
 * assembles locally (eligible keys), which the backend cannot know of. One page: the
 * engine's uploads are added whatever the key marker.
 */
async function withEngineUploads<R extends { output: AnyOutput }>(result: R, bucket: string, input: Input, backend: PluginBackend): Promise<R> {
  if (backend.engineUploads.size === 0) return result;
  const engine = await backend.engine();
  const prefix = typeof input.Prefix === 'string' ? input.Prefix : undefined;
  const local = engine.multipart.listUploads(bucket, { prefix }).filter((u) => backend.engineUploads.has(u.uploadId));
  if (local.length === 0) return result;
  const output = result.output as { Uploads?: { Key?: string; UploadId?: string; Initiated?: Date }[] };
  const uploads = [...(output.Uploads ?? []), ...local.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiated: u.initiated }))];
  uploads.sort((a, b) => ((a.Key ?? '') === (b.Key ?? '') ? (a.Initiated?.getTime() ?? 0) - (b.Initiated?.getTime() ?? 0) : (a.Key ?? '') < (b.Key ?? '') ? -1 : 1));
  return { ...result, output: { ...result.output, Uploads: uploads } };
}
