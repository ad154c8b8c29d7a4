#!/usr/bin/env node
/**
 * `deltaglider-proxy`: starts the proxy from the environment and an optional TOML file.
 * `deltaglider-proxy report <bucket> [prefix]` prints the per-deltaspace report of the
 * configured store instead (docs/OPERATIONS.md "Reading the deltaspace report").
 */
import { deltaspaceReport, formatDeltaspaceReport } from '../core/engine/report.js';
import { ConfigError, helpText, loadConfig } from './config.js';
import { engineFromConfig, storeFromConfig } from './engine-from-config.js';
import { createReverseProxy } from './server.js';
import { TOOL_VERSION } from '../core/format/metadata.js';

const REPORT_USAGE = 'Usage: deltaglider-proxy report <bucket> [prefix] [--json] [--config FILE]';

/** `report <bucket> [prefix]`: reads the configured store, prints, exits. */
async function report(argv: string[]): Promise<void> {
  const positional: string[] = [];
  let json = false;
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--json') json = true;
    else if (a === '--config') configPath = argv[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${REPORT_USAGE}\n\nPer deltaspace: baselines, each object's stored size against its original, the delta ratio trend, the profiles in use.\n`);
      return;
    } else if (a.startsWith('--')) {
      process.stderr.write(`deltaglider-proxy report: unknown option ${a}\n${REPORT_USAGE}\n`);
      process.exitCode = 2;
      return;
    } else positional.push(a);
  }
  const [bucket, prefix = ''] = positional;
  if (!bucket || positional.length > 2) {
    process.stderr.write(`deltaglider-proxy report: ${bucket ? 'too many arguments' : 'a bucket is required'}\n${REPORT_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(process.env, configPath);
  const engine = engineFromConfig(config, storeFromConfig(config));
  try {
    if (!(await engine.headBucket(bucket))) {
      process.stderr.write(`deltaglider-proxy report: bucket ${bucket} does not exist in ${engine.store.description}\n`);
      process.exitCode = 1;
      return;
    }
    const reports = await deltaspaceReport(engine, bucket, prefix);
    process.stdout.write(json ? `${JSON.stringify(reports, null, 2)}\n` : `${formatDeltaspaceReport(reports)}\n`);
  } finally {
    await engine.close();
    (engine.store as { client?: { destroy?: () => void } }).client?.destroy?.();
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'report') {
    try {
      await report(argv.slice(1));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`deltaglider-proxy: ${err.message}\n`);
      process.exitCode = 2;
    }
    return;
  }
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') {
      process.stdout.write(helpText() + '\n');
      return;
    }
    if (a === '--version' || a === '-v') {
      process.stdout.write(`deltaglider-proxy ${TOOL_VERSION}\n`);
      return;
    }
    if (a === '--config') configPath = argv[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else {
      process.stderr.write(`deltaglider-proxy: unknown argument ${a} (see deltaglider-proxy --help)\n`);
      process.exitCode = 2;
      return;
    }
  }
  let proxy;
  try {
    proxy = await createReverseProxy({ config: loadConfig(process.env, configPath) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`deltaglider-proxy: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  await proxy.listen();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    proxy.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    void proxy.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`deltaglider-proxy: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
