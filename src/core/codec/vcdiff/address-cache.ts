import { ByteWriter } from './byte-writer.js';
import { NEAR_SIZE, SAME_SIZE } from './code-table.js';

const SAME_SLOTS = SAME_SIZE * 256;
const MODE_NEAR = 2;
const MODE_SAME = 2 + NEAR_SIZE;

/**
 * The encoder's side of the RFC 3284 section 5.3 address cache (near + same).
 * The decoder's side is inlined in its instruction loop (execute-window.ts);
 * the interop tests with xdelta3 hold both to the RFC. Reset at the start of each window.
 */
export class AddressCache {
  private readonly near = new Float64Array(NEAR_SIZE);
  private nextSlot = 0;
  private readonly same = new Float64Array(SAME_SLOTS);

  /** Clears the cache, as required at each window start. */
  reset(): void {
    this.near.fill(0);
    this.same.fill(0);
    this.nextSlot = 0;
  }

  private update(addr: number): void {
    this.near[this.nextSlot] = addr;
    this.nextSlot = (this.nextSlot + 1) % NEAR_SIZE;
    this.same[addr % SAME_SLOTS] = addr;
  }

  /**
   * Picks the cheapest mode for `addr` at `here`, writes the address bytes and
   * returns the mode.
   */
  encode(addr: number, here: number, out: ByteWriter): number {
    let bestMode = 0;
    let bestVal = addr;
    let bestCost = cost(addr);
    const h = here - addr;
    const hc = cost(h);
    if (hc < bestCost) {
      bestMode = 1; bestVal = h; bestCost = hc;
    }
    for (let i = 0; i < NEAR_SIZE; i++) {
      const d = addr - this.near[i]!;
      if (d >= 0) {
        const c = cost(d);
        if (c < bestCost) {
          bestMode = MODE_NEAR + i; bestVal = d; bestCost = c;
        }
      }
    }
    const slot = addr % SAME_SLOTS;
    if (this.same[slot] === addr && bestCost > 1) {
      bestMode = MODE_SAME + Math.floor(slot / 256);
      out.byte(slot % 256);
    } else {
      out.varint(bestVal);
    }
    this.update(addr);
    return bestMode;
  }
}

function cost(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
