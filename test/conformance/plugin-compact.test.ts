/** S3 conformance cases against: plugin-compact (see test/conformance/lib/targets.ts). */
import t from 'tap';
import { runTarget } from './lib/run.js';

await runTarget(t, 'plugin-compact');
