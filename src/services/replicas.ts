import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { fail } from '../errors.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { PIN_STATES, PinState } from '../remote/pinning.js'
import { lookupPath } from '../model/tree.js'
import { readFileBytes } from '../model/file.js'
import { POLICY_FILE, ReplicaRule, parseReplicaPolicy, rulePath } from '../model/replica-policy.js'

/**
 * Replicas: pinning services (the IPFS Pinning Service API) and Kubo nodes
 * asked to hold every branch head's closure. Their settings are in the
 * config (`replicas`: NAME -> URL, the name of the environment variable
 * holding the token, the prefix of pin names; `replicaOrigins`); what each
 * was asked and last said is in `.acache/replicas/NAME.json`. No token is
 * ever written: only the variable's name.
 */

export interface ReplicaConfig { url: string, tokenEnv?: string, prefix: string }
export type ReplicaKind = 'pinning' | 'kubo'

/** queued, pinning, pinned, failed as the service says; unsent: asked for here, not yet taken by the service (it was down) */
export type ReplicaPinState = PinState | 'unsent'
export interface ReplicaPin {
  /** the head the replica was asked to hold */
  cid: string
  status: ReplicaPinState
  /** since when it is in that status, as seen from here */
  since: string
  /** the service's id of the request, and when it took it (its clock) */
  requestid?: string
  created?: string
  /** why it failed or was not sent */
  reason?: string
}
export interface ReplicaState { pins: Record<string, ReplicaPin> }

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

export function replicaKind (url: string): ReplicaKind { return url.startsWith('kubo://') ? 'kubo' : 'pinning' }

export function replicaConfigs (repo: Repo): Record<string, ReplicaConfig> {
  const r = repo.config.replicas
  return r !== null && typeof r === 'object' ? r as Record<string, ReplicaConfig> : {}
}

export function getReplica (repo: Repo, name: string): ReplicaConfig {
  const r = replicaConfigs(repo)[name]
  if (r === undefined) fail('USAGE', `no replica named ${name}`, { hint: '`acache replica list` shows them; `acache replica add NAME URL` makes one' })
  return r
}

/** Checks a replica's settings before they are saved: its name, URL and token variable. */
export function checkReplica (name: string, url: string, tokenEnv?: string): void {
  if (!NAME.test(name)) fail('USAGE', `${JSON.stringify(name.slice(0, 80))} is not a valid replica name (letters, digits, . _ -)`)
  if (url.startsWith('kubo://')) {
    if (!/^kubo:\/\/[^/]+\/?$/.test(url)) fail('BAD_INPUT', `a Kubo replica is kubo://HOST:PORT (the node's RPC API), not ${url.slice(0, 120)}`)
  } else {
    let u: URL | undefined
    try { u = new URL(url) } catch {}
    if (u === undefined || !/^https?:$/.test(u.protocol) || u.hostname === '') fail('BAD_INPUT', `${url.slice(0, 120)} is not a replica URL`, { hint: 'a pinning service is https://HOST/PATH (the API endpoint its documentation gives); a Kubo node is kubo://HOST:PORT' })
    if (u.username !== '' || u.password !== '' || u.search !== '') fail('BAD_INPUT', 'a replica URL carries no credentials or query: give the token with --token-env VAR', { hint: 'acache replica add NAME https://HOST/PATH --token-env VAR' })
  }
  if (tokenEnv !== undefined && !ENV_NAME.test(tokenEnv)) fail('BAD_INPUT', '--token-env takes the NAME of an environment variable (letters, digits, _), not the token itself', { hint: 'export PINNING_TOKEN=...; acache replica add NAME URL --token-env PINNING_TOKEN' })
}

export function saveReplicas (repo: Repo, replicas: Record<string, ReplicaConfig>): void {
  repo.config.replicas = replicas
  repo.saveConfig()
}

/** The bearer token from the variable the replica names; undefined when it names none. A named variable that is unset is an error saying so. */
export function replicaToken (name: string, r: ReplicaConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (r.tokenEnv === undefined) return undefined
  const t = env[r.tokenEnv]
  if (t === undefined || t === '') fail('AUTH_FAILED', `replica ${name} wants its token in $${r.tokenEnv}, which is not set`, { hint: `export ${r.tokenEnv}=... (the token the service gave you), then run the command again` })
  return t
}

export function readReplicaState (repo: Repo, name: string): ReplicaState {
  const text = readTextIfExists(repo.layout.replicas(`${name}.json`))
  if (text === undefined) return { pins: {} }
  try {
    const s = JSON.parse(text)
    if (s === null || typeof s !== 'object' || s.pins === null || typeof s.pins !== 'object') throw new Error('no pins')
    const pins: Record<string, ReplicaPin> = {}
    for (const [b, p] of Object.entries(s.pins as Record<string, any>)) {
      if (typeof p?.cid === 'string' && (p.status === 'unsent' || PIN_STATES.includes(p.status)) && typeof p.since === 'string') pins[b] = p
    }
    return { pins }
  } catch {
    // what a replica was asked is only a record: the service is asked again by name
    return { pins: {} }
  }
}

export function writeReplicaState (repo: Repo, name: string, s: ReplicaState): void {
  fs.mkdirSync(repo.layout.replicas(), { recursive: true })
  writeFileAtomic(repo.layout.replicas(`${name}.json`), JSON.stringify(s, null, 1) + '\n')
}

export function removeReplicaState (repo: Repo, name: string): void {
  fs.rmSync(repo.layout.replicas(`${name}.json`), { force: true })
}

/** A pin's record moved to `status`: `since` changes only when the status (or the head) does. */
export function movePin (old: ReplicaPin | undefined, next: Omit<ReplicaPin, 'since'>, now: Date): ReplicaPin {
  const same = old !== undefined && old.status === next.status && old.cid === next.cid
  const out: ReplicaPin = { ...next, since: same ? old.since : now.toISOString() }
  if (out.reason === undefined) delete out.reason
  return out
}

/** What `.acachereplicas` in a commit's tree asks of that commit: the most copies among the rules whose path it has, and those rules. */
export async function requiredCopies (repo: Repo, commit: CID): Promise<{ copies: number, rules: ReplicaRule[] }> {
  const c = await repo.readCommit(commit)
  const entry = await lookupPath(repo.store, c.tree, POLICY_FILE)
  if (entry === undefined || entry.kind !== 'file') return { copies: 0, rules: [] }
  const text = Buffer.from(await readFileBytes(repo.store, entry.cid, 64 * 1024, POLICY_FILE)).toString('utf8')
  const applying: ReplicaRule[] = []
  for (const rule of parseReplicaPolicy(text)) {
    const p = rulePath(rule)
    if (p === '' || await lookupPath(repo.store, c.tree, p) !== undefined) applying.push(rule)
  }
  return { copies: Math.max(0, ...applying.map(r => r.copies)), rules: applying }
}
