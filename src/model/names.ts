/**
 * Names as the file systems acache's users check out onto see them. On
 * Windows (NTFS) and macOS (HFS+, APFS) names that differ on Linux can be
 * one file: letter case, Unicode normalization, code points HFS+ ignores,
 * trailing dots and spaces and stream suffixes NTFS drops, 8.3 short names.
 * Readers refuse tree entries that one of those would make `.acache` or
 * `.git` (git's verify_path with core.protectNTFS and core.protectHFS, on
 * every platform: a repository is checked out wherever its users are), and
 * ownership compares paths folded, so no spelling escapes a rule.
 */

/** Code points HFS+ leaves out when comparing names (git's is_hfs_dot list). */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/gu

/** A name or path as a case- and normalization-insensitive file system compares it. */
export function foldName (name: string): string {
  let f = folded.get(name)
  if (f === undefined) {
    f = name.normalize('NFC').replace(HFS_IGNORED, '').toLowerCase()
    // the same names come again in every tree of a history: remembered, within a bound
    if (folded.size > 100_000) folded.clear()
    folded.set(name, f)
  }
  return f
}
const folded = new Map<string, string>()

const RESERVED = ['.acache', '.git']

/**
 * The reserved name (`.acache` or `.git`) a tree entry name would land on
 * somewhere, if any: in any letter case, with HFS+-ignored code points,
 * trailing dots or spaces, an NTFS stream (`:...`), or as an 8.3 short
 * name (`ACACHE~1`, `GIT~1`).
 */
export function reservedAlias (name: string): string | undefined {
  let n = foldName(name)
  const colon = n.indexOf(':')
  if (colon >= 0) n = n.slice(0, colon)
  n = n.replace(/[. ]+$/, '')
  for (const r of RESERVED) {
    if (n === r) return r
    if (new RegExp(`^${r.slice(1)}~[0-9]+$`).test(n)) return r
  }
  return undefined
}

/** Pairs of names in one directory that a case-insensitive file system makes one file. */
export function foldCollision (names: Iterable<string>): [string, string] | undefined {
  const seen = new Map<string, string>()
  for (const n of names) {
    const f = foldName(n)
    const other = seen.get(f)
    if (other !== undefined) return [other, n]
    seen.set(f, n)
  }
  return undefined
}
