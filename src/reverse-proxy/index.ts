/**
 * `deltaglider/reverse-proxy`: the proxy as a library (the `deltaglider-proxy` bin runs it).
 */
export { createReverseProxy, type ReverseProxy, type ReverseProxyOptions, type UiContext, type UiHandlerFactory } from './server.js';
export { loadConfig, helpText, SETTINGS, ConfigError, defaultUiAddr, type ProxyConfig } from './config.js';
export { createS3Handler } from '../s3/handler.js';
export type { S3HandlerOptions, RequestEvent } from '../s3/handler-types.js';
