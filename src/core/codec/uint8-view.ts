/**
 * A plain Uint8Array over `b`'s bytes (no copy). The decoder's hot loops take
 * their input through it: V8 optimizes a loop for the kinds of array it has
 * seen, and a Buffer (a Uint8Array subclass, with its own map) arriving after
 * plain arrays drops the optimized loop back to the interpreter.
 */
export function uint8View(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
