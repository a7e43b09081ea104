import { fail } from '../errors.js'

/**
 * `.acachereplicas`, a tracked file: how many replicas (copies on pinning
 * services or Kubo nodes, `acache replica`) each part of the tree needs, as
 * git-annex's numcopies. One rule a line, `PATH N`: PATH starts with "/"
 * (a directory ends with "/", "/" is everything), N from 1 to 100; "#"
 * starts a comment. A replica holds a branch head whole, so a branch needs
 * as many replicas as the largest N among the rules whose path it has.
 */
export interface ReplicaRule { path: string, copies: number, line: number }

export const POLICY_FILE = '.acachereplicas'
const MAX_COPIES = 100
const MAX_RULES = 1000

export function parseReplicaPolicy (text: string): ReplicaRule[] {
  const rules: ReplicaRule[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '').trim()
    if (line === '') continue
    const where = `${POLICY_FILE} line ${i + 1}`
    const m = /^(\S+)\s+(\d+)$/.exec(line)
    if (m === null) fail('BAD_INPUT', `${where}: a rule is PATH N (e.g. /datasets/ 2), not ${JSON.stringify(line.slice(0, 80))}`)
    const [, path, n] = m
    if (!path.startsWith('/')) fail('BAD_INPUT', `${where}: a path must start with "/": ${path.slice(0, 80)}`)
    if (path.split('/').some(p => p === '..' || p === '.')) fail('BAD_INPUT', `${where}: "." and ".." are not allowed in ${path.slice(0, 80)}`)
    const copies = Number(n)
    if (copies < 1 || copies > MAX_COPIES) fail('BAD_INPUT', `${where}: ${n} copies is not between 1 and ${MAX_COPIES}`)
    if (rules.length === MAX_RULES) fail('BAD_INPUT', `${POLICY_FILE} has more than ${MAX_RULES} rules`)
    rules.push({ path, copies, line: i + 1 })
  }
  return rules
}

/** The path a rule names, relative to the root without slashes at either end ('' for the root). */
export function rulePath (rule: ReplicaRule): string {
  return rule.path.replace(/^\/+|\/+$/g, '')
}
