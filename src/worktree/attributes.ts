import fs from 'node:fs'
import path from 'node:path'
import { fail } from '../errors.js'
import { readRegularFile } from '../util/fs.js'
import { MAX_SPECIAL_FILE_BYTES } from '../model/limits.js'
import { ChunkerName } from '../model/chunker.js'

/**
 * `.acacheattributes`, a tracked file at the root, holds settings that must
 * be the same for everyone who works on the history, so they travel with
 * it: `chunker = fixed | cdc` (how file bytes become blocks, so every clone
 * computes the same CIDs). `key = value` lines, `#` comments.
 */
export const ATTRIBUTES_FILE = '.acacheattributes'

export function readAttributes (root: string): Record<string, string> {
  // tracked, so it may come from a friend: a regular file within the limit, never a link to /dev/zero
  const bytes = readRegularFile(path.join(root, ATTRIBUTES_FILE), MAX_SPECIAL_FILE_BYTES, ATTRIBUTES_FILE, false)
  if (bytes === undefined) return {}
  return parseAttributes(bytes.toString('utf8'))
}

/** The `key = value` lines of an attributes file. */
export function parseAttributes (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') continue
    const m = /^([a-z][a-z0-9-]*)\s*=\s*(\S+)$/.exec(line)
    if (m === null) fail('BAD_CONFIG', `${ATTRIBUTES_FILE} line ${i + 1} is not "key = value"`)
    out[m[1]] = m[2]
  }
  return out
}

export function chunkerOf (root: string | undefined): ChunkerName {
  return root === undefined ? 'fixed' : chunkerIn(readAttributes(root))
}

/** The chunker attributes name (fixed when they name none). */
export function chunkerIn (attrs: Record<string, string>): ChunkerName {
  const c = attrs.chunker ?? 'fixed'
  if (c !== 'fixed' && c !== 'cdc') fail('BAD_CONFIG', `${ATTRIBUTES_FILE}: unknown chunker ${c} (fixed or cdc)`)
  return c
}

export function writeChunker (root: string, chunker: ChunkerName): void {
  fs.writeFileSync(path.join(root, ATTRIBUTES_FILE), `# acache settings shared by everyone who works on this history\n# chunker: fixed (1 MiB pieces, the CIDs Kubo gives) or cdc (FastCDC, dedups edited large files)\nchunker = ${chunker}\n`)
}
