#!/usr/bin/env node
/**
 * `deltaglider-proxy`: starts the proxy from the environment and an optional TOML file.
 */
import { ConfigError, helpText, loadConfig } from './config.js';
import { createReverseProxy } from './server.js';

async function main(argv: string[]): Promise<void> {
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') {
      process.stdout.write(helpText() + '\n');
      return;
    }
    if (a === '--config') configPath = argv[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else {
      process.stderr.write(`deltaglider-proxy: unknown argument ${a}\n\n${helpText()}\n`);
      process.exitCode = 2;
      return;
    }
  }
  let config;
  try {
    config = loadConfig(process.env, configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`deltaglider-proxy: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const proxy = await createReverseProxy({ config });
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
