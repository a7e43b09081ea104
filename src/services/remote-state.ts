import fs from 'node:fs'
import { Repo } from '../repo/repo.js'
import { RemoteConfig } from '../repo/config.js'
import { fail } from '../errors.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'

/**
 * What is known of each remote beyond its config: the heads accepted from
 * it (`.acache/remote-state/NAME.json`, and a log of them for `verify`).
 */

export function getRemote (repo: Repo, name: string): RemoteConfig {
  const r = repo.config.remotes[name]
  if (r === undefined) fail('USAGE', `no remote named ${name}`, { hint: '`acache remote list` shows them; `acache remote add` makes one' })
  return r
}

/**
 * What we last accepted from a remote: the seq and CID of its last full head
 * (seq 0 and head '' when only partial heads came so far), and the branches
 * a partial head (a bundle of some branches) set since, each with its seq:
 * a full head older than that leaves them as they are.
 */
export interface RemoteState { seq: number, head: string, time: string, newer?: Record<string, { seq: number, commit: string }> }

/** The highest seq accepted from a remote, full or partial. */
export function lastSeq (s: RemoteState | undefined): number | undefined {
  if (s === undefined) return undefined
  const seq = Math.max(s.seq, ...Object.values(s.newer ?? {}).map(n => n.seq))
  return seq > 0 ? seq : undefined
}

/**
 * What was accepted from `name`, undefined when nothing was yet. A damaged
 * file fails closed: read as "nothing yet", any older head would pass as
 * new (a replay), so it is an error that says how to mend it.
 */
export function readRemoteState (repo: Repo, name: string): RemoteState | undefined {
  const file = repo.layout.remoteState(`${name}.json`)
  const text = readTextIfExists(file)
  if (text === undefined) return undefined
  let s: any
  try { s = JSON.parse(text) } catch { s = undefined }
  if (!isRemoteState(s)) {
    fail('BAD_CONFIG', `what was accepted from ${name} (${file}) is damaged, so an older head could not be told from a new one`, {
      hint: `restore the file from a backup, or \`acache remote remove ${name}\` and add it again (its next head is then taken as new)`,
      data: { remote: name, file }
    })
  }
  return s
}

function isRemoteState (s: any): s is RemoteState {
  if (s === null || typeof s !== 'object' || !Number.isSafeInteger(s.seq) || s.seq < 0 || typeof s.head !== 'string' || typeof s.time !== 'string') return false
  if (s.newer === undefined) return true
  if (s.newer === null || typeof s.newer !== 'object') return false
  return Object.values(s.newer).every((n: any) => n !== null && typeof n === 'object' && Number.isSafeInteger(n.seq) && typeof n.commit === 'string')
}

export function writeRemoteState (repo: Repo, name: string, s: RemoteState): void {
  fs.mkdirSync(repo.layout.remoteState(), { recursive: true })
  // the log lets `verify` check that accepted heads never went back
  const { newer, ...full } = s
  fs.appendFileSync(repo.layout.remoteState(`${name}.log`), JSON.stringify(full) + '\n')
  writeFileAtomic(repo.layout.remoteState(`${name}.json`), JSON.stringify(s) + '\n')
}

export function readRemoteLogs (repo: Repo): Array<[string, RemoteState[]]> {
  let names: string[]
  try { names = fs.readdirSync(repo.layout.remoteState()) } catch { return [] }
  const out: Array<[string, RemoteState[]]> = []
  for (const f of names.filter(n => n.endsWith('.log')).sort()) {
    const lines = fs.readFileSync(repo.layout.remoteState(f), 'utf8').split('\n').filter(l => l !== '')
    const log: RemoteState[] = []
    for (const l of lines) { try { log.push(JSON.parse(l)) } catch { /* a torn last line from a crash */ } }
    out.push([f.slice(0, -4), log])
  }
  return out
}

export function remoteForKey (repo: Repo, key: string): string | undefined {
  return Object.entries(repo.config.remotes).find(([, r]) => r.key === key)?.[0]
}

