/** S3 conformance cases against: proxy-fs-compact (see test/conformance/lib/targets.ts). */
import t from 'tap';
import { runTarget } from './lib/run.js';

await runTarget(t, 'proxy-fs-compact');
