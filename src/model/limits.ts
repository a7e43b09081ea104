import { fail } from '../errors.js'
import { knobNumber } from '../util/knobs.js'

/**
 * Limits on what outside input may make acache do. Every block, tree and
 * special file that comes from a friend, a server or a bundle is a claim;
 * these bound the memory and time any one of them can cost.
 */

export { MAX_BLOCK_BYTES, blockTooLarge } from '../store/blockstore.js'

/** A signed head (a few branches): far below this. */
export const MAX_HEAD_BYTES = 1024 * 1024

/** `.acacheowners`, `.acacheattributes`, `.acacheignore`: read only up to this many bytes. */
export const MAX_SPECIAL_FILE_BYTES = 1024 * 1024

/**
 * The most entries (files, symlinks and directories, counted with repeats)
 * one tree may expand to. A tree is a DAG: 40 levels of a directory holding
 * the one below twice is 41 blocks but 2^40 paths. Walks that only need each
 * block once (fetch, verify, gc, serve) visit blocks, not paths; whatever
 * must expand paths (checkout, diff, ownership) stops at this many.
 * ACACHE_MAX_TREE_ENTRIES changes it.
 */
export function maxTreeEntries (): number {
  const v = knobNumber('ACACHE_MAX_TREE_ENTRIES', 4_000_000)
  return Number.isSafeInteger(v) ? v : 4_000_000
}

export function tooManyEntries (what: string, limit = maxTreeEntries()): never {
  return fail('TOO_LARGE', `${what} expands to more than ${limit} entries; refusing it`, {
    data: { limit },
    hint: 'a tree this large is most likely a DAG bomb (the same directory linked many times); if it is real, raise ACACHE_MAX_TREE_ENTRIES'
  })
}
