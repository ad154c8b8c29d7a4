/**
 * Per-bucket and per-prefix settings (`bucket=value`, `bucket/prefix/=value`), longest
 * prefix wins: the one parser and selector behind DGP_PROFILE_OVERRIDES and
 * DGP_ENCODE_OVERRIDES.
 */

/** One override: a bucket, a key prefix in it ('' for the whole bucket) and the value there. */
export interface PrefixRule<T extends string> {
  bucket: string;
  prefix: string;
  value: T;
}

/**
 * Parses `bucket=value` / `bucket/prefix=value` rules; throws a message naming the bad
 * rule, what it should look like (`example`) and the allowed values.
 */
export function parsePrefixRules<T extends string>(rules: readonly string[], allowed: readonly T[], what: string, example: string): PrefixRule<T>[] {
  return rules.map((rule) => {
    const eq = rule.lastIndexOf('=');
    const target = eq < 0 ? '' : rule.slice(0, eq).trim();
    const value = eq < 0 ? '' : rule.slice(eq + 1).trim();
    if (target === '' || !(allowed as readonly string[]).includes(value)) {
      throw new TypeError(`${what} rule "${rule}" must look like ${example} (${what}s: ${allowed.join(', ')})`);
    }
    const slash = target.indexOf('/');
    return slash < 0 ? { bucket: target, prefix: '', value: value as T } : { bucket: target.slice(0, slash), prefix: target.slice(slash + 1), value: value as T };
  });
}

/** A (bucket, key) selector applying the longest matching rule, else `fallback`. */
export function selectByPrefix<T extends string>(fallback: T, rules: readonly PrefixRule<T>[]): (bucket: string, key: string) => T {
  const sorted = [...rules].sort((a, b) => b.prefix.length - a.prefix.length);
  return (bucket, key) => sorted.find((r) => r.bucket === bucket && key.startsWith(r.prefix))?.value ?? fallback;
}

/**
 * Resolves an engine option that is a value or a (bucket, key) function of one: eagerly
 * validated, and a function's answers checked at each call.
 */
export function selectorOption<T extends string>(name: string, option: T | ((bucket: string, key: string) => T) | undefined, fallback: T, allowed: readonly T[]): (bucket: string, key: string) => T {
  const valid = (v: unknown): v is T => typeof v === 'string' && (allowed as readonly string[]).includes(v);
  if (option === undefined) return () => fallback;
  if (valid(option)) return () => option;
  if (typeof option === 'function') {
    return (bucket, key) => {
      const v = option(bucket, key);
      if (!valid(v)) throw new TypeError(`deltaglider: the ${name} function returned ${JSON.stringify(v)} for ${bucket}/${key}; expected one of ${allowed.join(', ')}`);
      return v;
    };
  }
  throw new TypeError(`deltaglider: option ${name} must be one of ${allowed.join(', ')} or a function (bucket, key) => ${name}, got ${JSON.stringify(option)}`);
}
