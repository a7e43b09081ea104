import { CID } from 'multiformats/cid'
import { parseGitCommit, GitPerson } from '../model/git.js'
import { Commit, commitSignatureValid } from '../model/commit.js'
import type { FileDiff } from './diff.js'

/** One commit as log, show and the web view give it: its fields, its signature checked, what git recorded of an imported one. */
export interface LogEntry {
  commit: string
  tree: string
  parents: string[]
  author: { key: string, name: string }
  time: string
  message: string
  signature: 'good' | 'bad'
  /** refs at this commit, as git decorates them: "HEAD -> main", "alice/main", "tag: v1" */
  refs?: string[]
  /** with patch or stat: what it changed against its first parent */
  diff?: FileDiff[]
  /** an imported commit: its git ID, and its author and committer as git recorded them */
  git?: { id: string, author?: GitPerson, committer?: GitPerson }
}

export function logEntry (cid: CID, c: Commit): LogEntry {
  return {
    commit: cid.toString(),
    tree: c.tree.toString(),
    parents: c.parents.map(String),
    author: { key: c.author.key, name: c.author.name },
    time: c.time,
    message: c.message,
    signature: commitSignatureValid(c) ? 'good' : 'bad',
    ...(c.git === undefined ? {} : { git: gitOriginOf(c.git.id, c.git.object) })
  }
}

function gitOriginOf (id: string, object: Uint8Array): NonNullable<LogEntry['git']> {
  try {
    const info = parseGitCommit(object, id)
    return { id, author: info.author, committer: info.committer }
  } catch {
    return { id }
  }
}
