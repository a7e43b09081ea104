import fs from 'node:fs'
import { Repo, RemoteConfig } from '../repo/repo.js'
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

export function readRemoteState (repo: Repo, name: string): RemoteState | undefined {
  const text = readTextIfExists(repo.layout.remoteState(`${name}.json`))
  if (text === undefined) return undefined
  try { return JSON.parse(text) } catch { return undefined }
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

