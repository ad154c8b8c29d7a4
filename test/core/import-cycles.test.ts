/**
 * No import cycle anywhere in src/: a module that needs the engine takes its context, so
 * the facade stays the top of the graph (issue 21). Relative imports and re-exports count,
 * `import type` included: a type-only cycle still ties two modules' shapes together.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const IMPORT = /(?:import|export)\s[^'";]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every cycle reachable by depth-first search, as `a -> b -> a` paths relative to src/. */
function findCycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((p) => relative(SRC, p)).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

t.test('src/ has no import cycle', async (t) => {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    graph.set(file, [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'))));
  }
  t.ok(graph.size > 50, `read the source tree (${graph.size} files)`);
  t.ok((graph.get(join(SRC, 'core', 'engine', 'engine.ts')) ?? []).length > 5, 'imports are recognised (the engine facade imports its modules)');
  t.same(findCycles(graph), [], 'no module imports itself through others');
});

t.test('the cycle finder reports a cycle it is given', async (t) => {
  const a = join(SRC, 'a.ts');
  const b = join(SRC, 'b.ts');
  t.same(findCycles(new Map([[a, [b]], [b, [a]]])), ['a.ts -> b.ts -> a.ts']);
});
