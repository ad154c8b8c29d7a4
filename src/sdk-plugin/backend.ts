/**
 * How the plugin reaches the bucket for its own (internal) requests.
 *
 * Design: internal requests go through the SAME client the plugin is installed on:
 * same resolved configuration (endpoint, region, credentials provider, retries,
 * signing, checksum settings) and the same middleware stack and requestHandler.
 * Each internal command's input carries a private symbol, and the plugin's
 * middleware passes such commands straight to `next()`, so they never recurse.
 *
 * `Pluggable.applyToStack(stack)` receives the stack but not the client, and the
 * initialize-step context carries no configuration. The resolved configuration is
 * found in the request context one step later: the S3 SigV4 auth option carries it
 * (`selectedHttpAuthScheme.httpAuthOption.signingProperties.config`). A small
 * build-step middleware records it from every request that passes. When the very
 * first request is one the plugin handles, the plugin runs that request's own chain
 * as a probe (its input without the body, flagged) up to the build step, where
 * the recorder stops it before anything is signed or sent. Passing `client` in the
 * options skips discovery.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { HandlerExecutionContext } from '@smithy/types';
import { createCodec } from '../core/codec/create-codec.js';
import { DeltaGliderEngine } from '../core/engine/engine.js';
import { S3Store } from '../core/store/s3-store.js';
import type { DeltaGliderPluginResolvedConfig } from './config.js';
import { PluginUsageError } from './errors.js';

/** Marks a command input as the plugin's own request (any copy of the plugin honours it). */
export const INTERNAL = Symbol.for('deltaglider.sdk-plugin.internal');
/** Marks a probe run (configuration discovery). */
export const PROBE = Symbol.for('deltaglider.sdk-plugin.probe');

export function isInternal(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as Record<symbol, unknown>)[INTERNAL] === true;
}

export function isProbe(args: unknown): boolean {
  const a = args as Record<PropertyKey, unknown> | undefined;
  return a?.[PROBE] === true || (a?.input as Record<symbol, unknown> | undefined)?.[PROBE] === true;
}

/** Thrown by the recorder to end a probe run before the request is signed or sent. */
export class ProbeComplete extends Error {
  override name = 'DeltaGliderProbeComplete';
}

interface SmithyContextWithAuth {
  selectedHttpAuthScheme?: { httpAuthOption?: { signingProperties?: { config?: unknown } } };
}

/** The client's resolved configuration, when the context carries it. */
export function configFromContext(context: HandlerExecutionContext): object | undefined {
  const smithy = (context as Record<string, unknown>).__smithy_context as SmithyContextWithAuth | undefined;
  const config = smithy?.selectedHttpAuthScheme?.httpAuthOption?.signingProperties?.config;
  return typeof config === 'object' && config !== null && 'requestHandler' in config ? config : undefined;
}

/**
 * A client object that sends through the given configuration and stack and marks
 * every command it sends as internal. It shares the user's requestHandler; never
 * destroy it.
 */
export function internalClient(config: object, stack: unknown): S3Client {
  const client = Object.create(S3Client.prototype) as S3Client;
  Object.defineProperty(client, 'config', { value: config, enumerable: true });
  Object.defineProperty(client, 'middlewareStack', { value: stack, enumerable: true });
  const send = S3Client.prototype.send;
  Object.defineProperty(client, 'send', {
    value: (command: { input: object }, ...rest: unknown[]) => {
      (command.input as Record<symbol, unknown>)[INTERNAL] = true;
      return (send as (...a: unknown[]) => unknown).call(client, command, ...rest);
    },
  });
  Object.defineProperty(client, 'destroy', { value: () => undefined });
  return client;
}

/** How many engine upload ids are remembered for routing. */
const MAX_REMEMBERED_UPLOADS = 100_000;

/** Per-stack state: the discovered configuration, the engine, the engine's multipart uploads. */
export class PluginBackend {
  #config?: object;
  #engine?: Promise<DeltaGliderEngine>;
  #closed = false;
  /**
   * Upload ids created by the engine (the others are native S3 uploads). Completed and
   * aborted ids stay (bounded) so later calls with them get NoSuchUpload from the engine
   * instead of being sent to S3, which never knew them.
   */
  readonly engineUploads = new Set<string>();

  rememberUpload(uploadId: string): void {
    this.engineUploads.add(uploadId);
    if (this.engineUploads.size > MAX_REMEMBERED_UPLOADS) {
      const oldest = this.engineUploads.values().next().value;
      if (oldest !== undefined) this.engineUploads.delete(oldest);
    }
  }

  constructor(
    readonly plugin: DeltaGliderPluginResolvedConfig,
    readonly stack: unknown,
  ) {
    if (plugin.client) this.#config = plugin.client.config;
  }

  get discovered(): boolean {
    return this.#config !== undefined;
  }

  /** Records the client configuration seen in a request context. */
  observe(context: HandlerExecutionContext): void {
    if (this.#config) return;
    this.#config = configFromContext(context);
  }

  /** The engine, built on first use. Requires the configuration to be known. */
  engine(): Promise<DeltaGliderEngine> {
    if (this.#closed) return Promise.reject(new PluginUsageError('the plugin was closed'));
    if (!this.#engine) {
      const config = this.#config;
      if (!config) {
        return Promise.reject(
          new PluginUsageError(
            'could not discover the S3 client configuration from the request context ' +
              '(expected S3 SigV4 signing properties). Pass the client explicitly: deltaGlider({ client }).',
          ),
        );
      }
      const stack = this.plugin.client ? this.plugin.client.middlewareStack : this.stack;
      const p = this.plugin;
      this.#engine = (async () => {
        const store = new S3Store({ client: internalClient(config, stack), conditionalWrites: p.conditionalWrites });
        return new DeltaGliderEngine({ ...p.engineOptions, store, codec: await createCodec({ codec: p.codec }), logger: p.logger });
      })();
      this.#engine.catch(() => {
        this.#engine = undefined;
      });
    }
    return this.#engine;
  }

  /** Frees the engine's temp files and cache. */
  async close(): Promise<void> {
    this.#closed = true;
    const engine = await this.#engine?.catch(() => undefined);
    this.engineUploads.clear();
    await engine?.close();
  }
}
