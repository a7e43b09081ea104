import { fail } from '../errors.js'
import { isDid } from './did.js'
import { foldName } from './names.js'

/** `.acacheowners`: path prefix -> owners (any one may sign), like CODEOWNERS. */
export interface OwnerRule { prefix: string, owners: string[], line: number }

export const OWNERS_FILE = '.acacheowners'
export const OWNERS_PATH = '/' + OWNERS_FILE

export function parseOwners (text: string): OwnerRule[] {
  const rules: OwnerRule[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '').trim()
    if (line === '') continue
    const [prefix, ...owners] = line.split(/\s+/)
    if (!prefix.startsWith('/')) fail('BAD_INPUT', `${OWNERS_FILE} line ${i + 1}: a path prefix must start with "/": ${prefix}`)
    if (prefix.split('/').some(p => p === '..' || p === '.')) fail('BAD_INPUT', `${OWNERS_FILE} line ${i + 1}: "." and ".." are not allowed in ${prefix}`)
    if (owners.length === 0) fail('BAD_INPUT', `${OWNERS_FILE} line ${i + 1}: ${prefix} names no owner`)
    for (const o of owners) if (!isDid(o)) fail("BAD_INPUT", `${OWNERS_FILE} line ${i + 1}: ${String(o).slice(0, 60)} is not an Ed25519 did:key`)
    rules.push({ prefix, owners, line: i + 1 })
  }
  return rules
}

/**
 * Who may change `path` ('/'-separated, relative to the root): the owners of
 * the longest matching prefix (letter case, Unicode normalization and
 * HFS+-ignored code points aside, as a file system may ignore them), or undefined when no rule covers it (open to
 * every trusted friend). `.acacheowners` itself belongs to `rootSigners`
 * (the keys that signed every root commit of the history, see
 * OwnershipChecker.rootSigners) unless a rule names `/.acacheowners` exactly.
 */
export function ownersOf (rules: OwnerRule[], path: string, rootSigners: string[] | undefined): string[] | undefined {
  // compared folded: on a case- or normalization-insensitive file system Datasets/A is datasets/a (names.ts)
  const full = foldName('/' + path)
  if (full === OWNERS_PATH) {
    const own = rules.find(r => foldName(r.prefix) === OWNERS_PATH)
    if (own !== undefined) return own.owners
    return rootSigners
  }
  let best: OwnerRule | undefined
  for (const r of rules) {
    if (full.startsWith(foldName(r.prefix)) && (best === undefined || r.prefix.length > best.prefix.length)) best = r
  }
  return best?.owners
}
