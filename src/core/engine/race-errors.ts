/**
 * Errors that say a concurrent writer (or a backend rewriting an object in place) got in
 * the way of an operation. The engine catches them to start over; the ones that still
 * escape reach clients through their parent's code (error table: IntegrityError,
 * NoSuchKey, BackendError), so none needs a code of its own.
 */
import { BackendError, IntegrityError, NoSuchKeyError } from '../errors.js';

/** The deltaspace's reference is gone (an IntegrityError for readers; writers start over). */
export class ReferenceMissingError extends IntegrityError {
  override name = 'ReferenceMissingError';
}

/** A variant resolved by HEAD was gone by the time it was read (a concurrent overwrite or delete). */
export class VariantVanishedError extends NoSuchKeyError {
  override name = 'VariantVanishedError';
}

/**
 * A variant resolved by HEAD was replaced by the time it was read (a concurrent overwrite).
 * Retried; an object that keeps changing through every attempt answers 503, "retry".
 */
export class VariantChangedError extends BackendError {
  override name = 'VariantChangedError';
}

/**
 * The backend cut a body we were reading before sending a byte on (it failed, or it
 * truncated the object to rewrite it in place): the GET starts over, then answers 503.
 */
export class InterruptedReadError extends BackendError {
  override name = 'InterruptedReadError';
}

/** A stored object whose backend description contradicts its metadata (mid-rewrite or damaged). */
export class InconsistentObjectError extends IntegrityError {
  override name = 'InconsistentObjectError';
}

/** A catch handler turning "the backend key is gone" into VariantVanishedError for user key `key`. */
export function vanished(key: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof NoSuchKeyError) throw new VariantVanishedError(key);
    throw err;
  };
}
