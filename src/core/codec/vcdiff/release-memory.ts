/**
 * Gives a codec worker's large buffers back to the system without ending the
 * worker. Slabs, indexes and windows are ArrayBuffers outside the V8 heap; they
 * are freed only when a garbage collection finds them dead, and an idle worker's
 * heap is seldom collected. Ending the worker instead (terminate, or an exit
 * after every large job) churns isolates, and Node can abort the whole process
 * when a worker isolate goes away while V8 still has background tasks for it
 * (`Assertion failed: (data.first) != nullptr in node::NodePlatform::ForIsolate`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | false | undefined;

/**
 * Runs a full garbage collection, so the buffers of the job just done are
 * returned now rather than at some later collection. `--expose-gc` cannot be
 * given to a worker (ERR_WORKER_INVALID_EXEC_ARGV); set at run time it exposes
 * `gc` to contexts made afterwards. Returns false where that is not possible.
 */
export function releaseMemory(): boolean {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collect = typeof gc === 'function' ? (gc as () => void) : false;
    } catch {
      collect = false;
    }
  }
  if (!collect) return false;
  collect();
  return true;
}
