/**
 * deltaglider: delta compression for S3.
 *
 * Ways in: `deltaglider/sdk-plugin`, `deltaglider/middleware`, `deltaglider/reverse-proxy`.
 * This entry point exports the core (engine, stores, codecs, format).
 */
export * from './core/index.js';
