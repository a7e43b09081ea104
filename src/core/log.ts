import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Commit, commitSignatureValid } from '../model/commit.js'
import { resolveRev } from '../repo/revs.js'

export interface LogEntry {
  commit: string
  tree: string
  parents: string[]
  author: { key: string, name: string }
  time: string
  message: string
  signature: 'good' | 'bad'
}

export function logEntry (cid: CID, c: Commit): LogEntry {
  return {
    commit: cid.toString(),
    tree: c.tree.toString(),
    parents: c.parents.map(String),
    author: { key: c.author.key, name: c.author.name },
    time: c.time,
    message: c.message,
    signature: commitSignatureValid(c) ? 'good' : 'bad'
  }
}

/**
 * History from `rev`, newest first (by commit time, parents never before
 * their children), each with its signature checked.
 */
export async function log (repo: Repo, opts: { rev?: string, max?: number } = {}): Promise<LogEntry[]> {
  const start = await resolveRev(repo, opts.rev ?? 'HEAD')
  const out: LogEntry[] = []
  const seen = new Set<string>([start.toString()])
  const queue: Array<{ cid: CID, c: Commit }> = [{ cid: start, c: await repo.readCommit(start) }]
  const max = opts.max ?? Infinity
  while (queue.length > 0 && out.length < max) {
    // newest first; a small linear scan keeps this simple and is fast enough
    let best = 0
    for (let i = 1; i < queue.length; i++) if (queue[i].c.time > queue[best].c.time) best = i
    const { cid, c } = queue.splice(best, 1)[0]
    out.push(logEntry(cid, c))
    for (const p of c.parents) {
      const k = p.toString()
      if (seen.has(k)) continue
      seen.add(k)
      queue.push({ cid: p, c: await repo.readCommit(p) })
    }
  }
  return out
}
