/** S3 conformance cases against: plugin-rgw (see test/conformance/lib/targets.ts). */
import t from 'tap';
import { runTarget } from './lib/run.js';

await runTarget(t, 'plugin-rgw');
