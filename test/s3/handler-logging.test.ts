/**
 * Log levels that mean something: over real HTTP, a client error (404, 409) is one
 * info line without a stack, a server error is one error line with its cause.
 */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaGliderEngine, FileSystemStore, createCodec } from '../../src/index.js';
import type { StoredObjectInfo } from '../../src/core/store/object-store.js';
import { createS3Handler } from '../../src/s3/handler.js';
import type { HandlerLogger } from '../../src/s3/handler-types.js';

/** A filesystem store whose disk fails for one key, as a broken backend would. */
class FailingStore extends FileSystemStore {
  override async headObject(bucket: string, key: string): Promise<StoredObjectInfo | undefined> {
    if (key.startsWith('broken')) throw new Error('EIO: the disk under broken.bin failed', { cause: new Error('sector 42 unreadable') });
    return super.headObject(bucket, key);
  }
}

interface Line {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

t.test('one line per request: 4xx at info without a stack, 5xx at error with the cause', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-log-'));
  const engine = new DeltaGliderEngine({ store: new FailingStore(dir), codec: createCodec() });
  const lines: Line[] = [];
  const logger: HandlerLogger = {
    info: (obj, msg) => void lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  };
  const handler = createS3Handler({ engine, logger });
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(async () => {
    await new Promise((ok) => server.close(ok));
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Sends one request and waits for its log line (written when the response closes). */
  const request = async (method: string, path: string): Promise<{ status: number; logged: Line[] }> => {
    const before = lines.length;
    const res = await fetch(`${url}${path}`, { method });
    await res.arrayBuffer();
    for (let i = 0; i < 100 && lines.length === before; i++) await new Promise((ok) => setTimeout(ok, 10));
    await new Promise((ok) => setTimeout(ok, 20)); // a second line would show up here
    return { status: res.status, logged: lines.slice(before) };
  };

  t.equal((await request('PUT', '/logs')).status, 200);

  const missing = await request('GET', '/logs/missing.zip');
  t.equal(missing.status, 404);
  t.equal(missing.logged.length, 1, 'a 404 is one line');
  t.equal(missing.logged[0]?.level, 'info', 'a 404 is logged at info');
  t.equal(missing.logged[0]?.obj.status, 404);
  t.equal(missing.logged[0]?.obj.op, 'GetObject');
  t.match(missing.logged[0]?.obj.error, /does not exist/, 'the line says what went wrong');
  t.notOk('err' in (missing.logged[0]?.obj ?? {}), 'no error object, so no stack');
  t.notMatch(JSON.stringify(missing.logged), /\n\s+at /, 'no stack trace anywhere');

  await request('PUT', '/logs/a.txt');
  const conflict = await request('DELETE', '/logs');
  t.equal(conflict.status, 409, 'deleting a bucket that holds objects');
  t.same(conflict.logged.map((l) => [l.level, l.obj.status]), [['info', 409]], 'a 409 is one info line');

  const broken = await request('GET', '/logs/broken.zip');
  t.ok(broken.status >= 500, `a failing store answers ${broken.status}`);
  t.equal(broken.logged.length, 1, 'a 5xx is one line');
  t.equal(broken.logged[0]?.level, 'error', 'a 5xx is logged at error');
  t.equal(broken.logged[0]?.msg, 'request failed');
  const err = broken.logged[0]?.obj.err as Error | undefined;
  t.ok(err instanceof Error, 'the line carries the error');
  let chain = '';
  for (let e: unknown = err; e instanceof Error; e = e.cause) chain += `${e.message}\n${e.stack}\n`;
  t.match(chain, /EIO: the disk under broken\.bin failed/, 'with the root cause');
  t.match(chain, /\n\s+at /, 'and its stack');
  t.equal(lines.filter((l) => l.level === 'warn').length, 0, 'nothing at warn');
});
