import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { Identity } from '../identity/identity.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { fail } from '../errors.js'
import { decodeHead, headFileName } from '../model/head.js'

/** What a head publishes: every local branch, and every tag as tags/NAME. */
export function localBranches (repo: Repo): Record<string, CID> {
  const heads: Record<string, CID> = {}
  for (const [ref, cid] of repo.refs.list('refs/heads')) heads[ref.slice('refs/heads/'.length)] = cid
  for (const [ref, cid] of repo.refs.list('refs/tags')) heads[`tags/${ref.slice('refs/tags/'.length)}`] = cid
  if (Object.keys(heads).length === 0) fail('USAGE', 'there is nothing to publish yet', { hint: 'make a commit first' })
  return heads
}

/**
 * The next seq for our key: above every seq we have signed before (kept in
 * $ACACHE_HOME, shared by all our repositories) and above what `seen` says.
 */
export function nextSeq (ctx: Ctx, id: Identity, seen = 0): { seq: number, save: () => void } {
  const file = path.join(ctx.home, 'seq.json')
  let all: Record<string, number> = {}
  try { all = JSON.parse(readTextIfExists(file) ?? '{}') } catch { all = {} }
  const seq = Math.max(all[id.key] ?? 0, seen) + 1
  return {
    seq,
    save: () => {
      all[id.key] = Math.max(all[id.key] ?? 0, seq)
      fs.mkdirSync(ctx.home, { recursive: true })
      writeFileAtomic(file, JSON.stringify(all) + '\n', { mode: 0o600 })
    }
  }
}

/** What `key` has published in this repository, and which local branches it does not show as they are. */
export function publishedState (repo: Repo, key: string): { seq?: number, behind: string[] } {
  const text = readRegular(repo, key)
  if (text === undefined) return { behind: [] }
  let head
  try { head = decodeHead(text) } catch { return { behind: [] } }
  const behind: string[] = []
  for (const [ref, cid] of repo.refs.list('refs/heads')) {
    const b = ref.slice('refs/heads/'.length)
    if (head.heads[b] === undefined || !head.heads[b].equals(cid)) behind.push(b)
  }
  return { seq: head.seq, behind }
}

function readRegular (repo: Repo, key: string): Uint8Array | undefined {
  try { return fs.readFileSync(repo.layout.published(headFileName(key))) } catch { return undefined }
}
