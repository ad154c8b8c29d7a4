/** Every conformance case, in report order. */
import type { ConformanceCase } from '../lib/case.js';
import { AUTH_CASES } from './auth.js';
import { DELTA_CASES } from './delta.js';
import { HTTP_CASES } from './http-semantics.js';
import { LIST_CASES } from './listing.js';
import { OBJECT_CASES } from './objects.js';
import { MULTIPART_SEMANTICS_CASES } from './multipart-semantics.js';
import { OPS_CASES } from './ops.js';
import { PART_NUMBER_CASES } from './part-number.js';
import { REAL_BACKEND_CASES } from './real-backend.js';
import { RGW_PLUGIN_PASSTHROUGH, RGW_REFERENCE_XFAIL } from './rgw-reference-xfail.js';

export const CASES: ConformanceCase[] = [...OBJECT_CASES, ...LIST_CASES, ...OPS_CASES, ...MULTIPART_SEMANTICS_CASES, ...PART_NUMBER_CASES, ...HTTP_CASES, ...DELTA_CASES, ...AUTH_CASES, ...REAL_BACKEND_CASES];

const ids = new Set<string>();
for (const c of CASES) {
  const rgw = RGW_REFERENCE_XFAIL[c.id];
  if (rgw) c.xfail = { ...c.xfail, rgw };
  if (rgw && RGW_PLUGIN_PASSTHROUGH.includes(c.id)) c.xfail = { ...c.xfail, 'plugin-rgw': `the plugin hands this call to RGW unchanged; ${rgw}` };
  if (ids.has(c.id)) throw new Error(`duplicate conformance case id ${c.id}`);
  ids.add(c.id);
}
