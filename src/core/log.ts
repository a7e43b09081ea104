import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Commit } from '../model/commit.js'
import { LogEntry, logEntry } from '../services/log-entry.js'
import { resolveRev } from '../repo/revs.js'
import { mergeBases } from '../merge/base.js'
import { diffTrees } from '../model/treediff.js'
import { diffCommits } from '../services/diff.js'
import { fail } from '../errors.js'

export type { LogEntry } from '../services/log-entry.js'

export interface LogOptions {
  /** where to start (default HEAD); several are walked together */
  revs?: string[]
  /** every branch, remote branch and tag too */
  all?: boolean
  max?: number
  /** only commits that change something under these paths (against their first parent) */
  paths?: string[]
  /** only commits whose author name or key contains this */
  author?: string
  /** only commits at or after / before this time */
  since?: Date
  until?: Date
  /** the files each commit changed (for -p and --stat) */
  diff?: boolean
  /** strictly parents after children (for --graph), reading all history first */
  topo?: boolean
}

/** Names pointing at each commit, in git's decoration style. */
export function decorations (repo: Repo): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const add = (cid: CID | undefined, name: string): void => {
    if (cid === undefined) return
    const k = cid.toString()
    out.set(k, [...(out.get(k) ?? []), name])
  }
  const h = repo.refs.head()
  const current = repo.refs.currentBranch()
  if (current === undefined) add(h.cid, 'HEAD')
  for (const [ref, cid] of repo.refs.list('refs/heads')) {
    const name = ref.slice('refs/heads/'.length)
    add(cid, name === current ? `HEAD -> ${name}` : name)
  }
  for (const [ref, cid] of repo.refs.list('refs/tags')) add(cid, `tag: ${ref.slice('refs/tags/'.length)}`)
  for (const [ref, cid] of repo.refs.list('refs/remotes')) {
    const name = ref.slice('refs/remotes/'.length)
    add(cid, /^[^/]+\/tags\//.test(name) ? `tag: ${name}` : name)
  }
  return out
}

/**
 * History newest first, in topological order (a commit always before its
 * parents; among those ready, the most recent first: git's --date-order),
 * each with its signature checked and its decorations; filtered by path,
 * author and time as git's log is.
 */
export async function log (repo: Repo, opts: LogOptions = {}): Promise<LogEntry[]> {
  const { starts, hidden } = await selectCommits(repo, opts.revs ?? (opts.all === true ? [] : ['HEAD']))
  if (opts.all === true) {
    for (const [, cid] of repo.refs.list('refs')) starts.push(cid)
    const h = repo.refs.headCommit()
    if (h !== undefined) starts.push(h)
  }
  if (opts.max !== undefined && (!Number.isInteger(opts.max) || opts.max < 0)) fail('USAGE', `-n takes a whole number, not ${String(opts.max)}`)
  const decorated = decorations(repo)
  const next = opts.topo === true ? await topoOrder(repo, starts, hidden) : dateOrder(repo, starts, hidden)
  const out: LogEntry[] = []
  const max = opts.max ?? Infinity
  const author = opts.author?.toLowerCase()
  const within = (p: string): boolean => opts.paths === undefined || opts.paths.length === 0 || opts.paths.some(q => q === '' || p === q || p.startsWith(q + '/'))
  const trees = new Map<string, CID>()
  for (;;) {
    if (out.length >= max) break
    const got = await next()
    if (got === undefined) break
    const { cid, c } = got
    const k = cid.toString()
    trees.set(k, c.tree)
    if (author !== undefined && !c.author.name.toLowerCase().includes(author) && !c.author.key.toLowerCase().includes(author)) continue
    const t = Date.parse(c.time)
    if (opts.since !== undefined && t < opts.since.getTime()) continue
    if (opts.until !== undefined && t > opts.until.getTime()) continue
    const parentTree = c.parents.length === 0 ? undefined : (trees.get(c.parents[0].toString()) ?? (await repo.readCommit(c.parents[0])).tree)
    if (opts.paths !== undefined && opts.paths.length > 0) {
      const changes = await diffTrees(repo.store, parentTree, c.tree)
      if (!changes.some(ch => within(ch.path))) continue
    }
    const e = logEntry(cid, c)
    const refs = decorated.get(k)
    if (refs !== undefined) e.refs = refs
    if (opts.diff === true) e.diff = (await diffCommits(repo, parentTree, c.tree)).filter(d => within(d.path))
    out.push(e)
  }
  return out
}

/**
 * git's revision ranges: `REV` shows what it reaches, `^REV` hides what it
 * reaches, `A..B` is `^A B`, and `A...B` what either reaches but not both
 * (an end left out is HEAD).
 */
export async function selectCommits (repo: Repo, revs: string[]): Promise<{ starts: CID[], hidden: Set<string> }> {
  const starts: CID[] = []
  const hide: CID[] = []
  const parentsOf = async (id: string): Promise<string[]> => (await repo.readCommit(CID.parse(id))).parents.map(String)
  for (const r of revs) {
    const m = /^(.*?)(\.{2,3})(.*)$/.exec(r)
    if (m === null) {
      if (r.startsWith('^')) hide.push(await resolveRev(repo, r.slice(1)))
      else starts.push(await resolveRev(repo, r))
      continue
    }
    const a = await resolveRev(repo, m[1] === '' ? 'HEAD' : m[1])
    const b = await resolveRev(repo, m[3] === '' ? 'HEAD' : m[3])
    starts.push(b)
    if (m[2] === '..') { hide.push(a); continue }
    starts.push(a)
    for (const base of await mergeBases(a.toString(), b.toString(), parentsOf)) hide.push(CID.parse(base))
  }
  // everything the hidden ones reach
  const hidden = new Set<string>()
  const stack = [...hide]
  while (stack.length > 0) {
    const cid = stack.pop()!
    const k = cid.toString()
    if (hidden.has(k)) continue
    hidden.add(k)
    stack.push(...(await repo.readCommit(cid)).parents)
  }
  return { starts: starts.filter(c => !hidden.has(c.toString())), hidden }
}

type Next = () => Promise<{ cid: CID, c: Commit } | undefined>

/** Newest first by commit time, reading only as far as asked (git's default order). */
function dateOrder (repo: Repo, starts: CID[], hidden: Set<string>): Next {
  const seen = new Set<string>(hidden)
  const queue: Array<{ cid: CID, c?: Commit }> = []
  for (const s of starts) if (!seen.has(s.toString())) { seen.add(s.toString()); queue.push({ cid: s }) }
  return async () => {
    for (const q of queue) q.c ??= await repo.readCommit(q.cid)
    if (queue.length === 0) return undefined
    // newest first; a small linear scan keeps this simple and is fast enough
    let best = 0
    for (let i = 1; i < queue.length; i++) if (queue[i].c!.time > queue[best].c!.time) best = i
    const { cid, c } = queue.splice(best, 1)[0]
    for (const p of c!.parents) {
      if (seen.has(p.toString())) continue
      seen.add(p.toString())
      queue.push({ cid: p })
    }
    return { cid, c: c! }
  }
}

/**
 * A commit always before its parents; among those ready, the newest first
 * (git's --date-order, what --graph needs). Reads all history first.
 */
async function topoOrder (repo: Repo, starts: CID[], hidden: Set<string>): Promise<Next> {
  const commits = new Map<string, Commit>()
  const children = new Map<string, number>()
  const stack = [...starts]
  while (stack.length > 0) {
    const cid = stack.pop()!
    const k = cid.toString()
    if (commits.has(k) || hidden.has(k)) continue
    const c = await repo.readCommit(cid)
    commits.set(k, c)
    for (const p of c.parents) {
      if (hidden.has(p.toString())) continue
      children.set(p.toString(), (children.get(p.toString()) ?? 0) + 1)
      stack.push(p)
    }
  }
  const ready: string[] = [...new Set(starts.map(String))].filter(k => (children.get(k) ?? 0) === 0)
  return async () => {
    if (ready.length === 0) return undefined
    let best = 0
    for (let i = 1; i < ready.length; i++) if (commits.get(ready[i])!.time > commits.get(ready[best])!.time) best = i
    const k = ready.splice(best, 1)[0]
    const c = commits.get(k)!
    for (const p of c.parents) {
      if (hidden.has(p.toString())) continue
      const left = children.get(p.toString())! - 1
      children.set(p.toString(), left)
      if (left === 0) ready.push(p.toString())
    }
    return { cid: CID.parse(k), c }
  }
}
