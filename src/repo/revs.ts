import { CID } from 'multiformats/cid'
import { Repo, checkBranchName } from './repo.js'
import { fail } from '../errors.js'
import { DAG_JSON } from '../model/commit.js'

/**
 * Resolves a revision as git users write them: HEAD, a branch, a remote
 * branch (alice/main), a full ref, a commit CID or a unique prefix of one,
 * each optionally followed by ~N (N-th first parent) and ^N (N-th parent).
 */
export async function resolveRev (repo: Repo, rev: string): Promise<CID> {
  const m = /^(.*?)((?:[~^]\d*)*)$/.exec(rev)
  const base = m?.[1] ?? rev
  const suffix = m?.[2] ?? ''
  if (base === '') fail('BAD_REVISION', `bad revision ${JSON.stringify(rev)}`)
  let cid = await resolveBase(repo, base, rev)
  const steps = suffix.match(/[~^]\d*/g) ?? []
  for (const step of steps) {
    const n = step.length > 1 ? parseInt(step.slice(1), 10) : 1
    if (step[0] === '~') {
      for (let i = 0; i < n; i++) cid = await nthParent(repo, cid, 1, rev)
    } else if (n > 0) {
      cid = await nthParent(repo, cid, n, rev)
    }
  }
  return cid
}

async function nthParent (repo: Repo, cid: CID, n: number, rev: string): Promise<CID> {
  const c = await repo.readCommit(cid)
  const p = c.parents[n - 1]
  if (p === undefined) fail('UNKNOWN_REVISION', `revision ${JSON.stringify(rev)} goes past the start of history`)
  return p
}

/** REF@{N}: where REF was N moves ago, from the reflog (HEAD@{1}, main@{2}; @{N} is the current branch). */
function fromRefLog (repo: Repo, base: string, rev: string): CID | undefined {
  const m = /^(.*)@\{(\d+)\}$/.exec(base)
  if (m === null) return undefined
  let ref: string
  if (m[1] === '') {
    const b = repo.refs.currentBranch()
    if (b === undefined) fail('BAD_REVISION', `${rev}: HEAD is detached, so there is no current branch's reflog`, { hint: 'use HEAD@{N}' })
    ref = `refs/heads/${b}`
  } else if (m[1] === 'HEAD') {
    ref = 'HEAD'
  } else if (m[1].startsWith('refs/')) {
    ref = m[1]
  } else {
    // a branch, else a remote-tracking branch (alice/main@{1}: where it was before the last fetch moved it)
    ref = repo.refs.read(`refs/heads/${m[1]}`) === undefined && repo.refs.read(`refs/remotes/${m[1]}`) !== undefined ? `refs/remotes/${m[1]}` : `refs/heads/${m[1]}`
  }
  const log = repo.refs.readLog(ref)
  const n = parseInt(m[2], 10)
  if (n >= log.length) fail('UNKNOWN_REVISION', `${rev}: the reflog of ${m[1] === '' ? 'the current branch' : m[1]} has only ${log.length} entr${log.length === 1 ? 'y' : 'ies'}`, { hint: '`acache reflog` lists them' })
  const cid = log[n].new
  if (cid === undefined) fail('UNKNOWN_REVISION', `${rev}: the branch did not exist then (entry ${n} is its deletion; ${m[1]}@{${n + 1}} is where it was)`)
  return cid
}

/**
 * What was checked out before the N-th last switch (git's @{-N}): a branch
 * name, or a commit when HEAD was detached; from HEAD's reflog.
 */
export function previousCheckout (repo: Repo, n: number): string {
  let seen = 0
  for (const e of repo.refs.readLog('HEAD')) {
    const m = /^switch: moving from (\S+) to /.exec(e.message)
    if (m === null || m[1] === '(nothing)') continue
    if (++seen === n) return m[1]
  }
  return fail('UNKNOWN_REVISION', `@{-${n}}: HEAD's reflog records ${seen === 0 ? 'no switch from a branch' : `only ${seen} switch${seen === 1 ? '' : 'es'}`}`, { hint: '`acache reflog` shows where HEAD has been' })
}

async function resolveBase (repo: Repo, base: string, rev: string): Promise<CID> {
  const before = /^@\{-(\d+)\}$/.exec(base)
  if (before !== null && Number(before[1]) > 0) return await resolveBase(repo, previousCheckout(repo, Number(before[1])), rev)
  const logged = fromRefLog(repo, base, rev)
  if (logged !== undefined) return logged
  if (base === 'HEAD' || base === '@') {
    const h = repo.refs.head()
    if (h.cid === undefined) fail('UNKNOWN_REVISION', `HEAD has no commits yet (branch ${h.ref?.replace('refs/heads/', '')} is unborn)`, { hint: 'make the first commit with `acache commit -m MESSAGE`' })
    return h.cid
  }
  const refNames = base.startsWith('refs/') ? [base] : [`refs/heads/${base}`, `refs/remotes/${base}`, `refs/tags/${base}`, `refs/pins/${base}`]
  for (const ref of refNames) {
    if (!safeRef(ref)) continue
    const cid = repo.refs.read(ref)
    if (cid !== undefined) return cid
  }
  try {
    const cid = CID.parse(base)
    if (cid.code !== DAG_JSON) fail('BAD_REVISION', `${base} is not a commit CID (it is not dag-json)`)
    return cid
  } catch (err) {
    if ((err as any)?.code === 'BAD_REVISION') throw err
  }
  if (/^[a-z2-7]{4,}$/.test(base)) {
    const matches = await commitsWithPrefix(repo, base)
    if (matches.length === 1) return matches[0]
    if (matches.length > 1) fail('BAD_REVISION', `${base} is ambiguous: ${matches.length} commits start with it`, { hint: 'give more characters' })
  }
  return fail('UNKNOWN_REVISION', `unknown revision ${JSON.stringify(rev)}`, {
    hint: 'name a branch (`acache branch` lists them), a remote branch such as alice/main, or a commit CID'
  })
}

function safeRef (ref: string): boolean {
  try { checkBranchName(ref); return true } catch { return false }
}

/** Walks history from every ref looking for CIDs that start with `prefix`. */
async function commitsWithPrefix (repo: Repo, prefix: string): Promise<CID[]> {
  const seen = new Set<string>()
  const found: CID[] = []
  const stack: CID[] = repo.refs.list().map(([, c]) => c)
  const head = repo.refs.headCommit()
  if (head !== undefined) stack.push(head)
  while (stack.length > 0) {
    const cid = stack.pop()!
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (named(key, prefix)) found.push(cid)
    try {
      const c = await repo.readCommit(cid)
      stack.push(...c.parents)
    } catch { /* missing history: search what we have */ }
  }
  return found
}

/**
 * Every commit CID (CIDv1, dag-json, sha2-256, base32) starts with the same
 * 'baguqeera': 'b' and the 40 bits of version, codec and hash type. What
 * follows is the digest alone, so a commit's short ID is its first
 * SHORT_ID characters, as git's is the start of its hash (7 base32
 * characters are 35 bits; git's 7 hex are 28).
 */
const COMMIT_PREFIX = 'baguqeera'
export const SHORT_ID = 7

/** The short form of a commit CID shown by `log --oneline` and messages (any other CID: its first 16 characters). */
export function shortCid (cid: CID | string): string {
  const s = cid.toString()
  return s.startsWith(COMMIT_PREFIX) ? s.slice(COMMIT_PREFIX.length, COMMIT_PREFIX.length + SHORT_ID) : s.slice(0, 16)
}

/** Whether a commit CID is named by `prefix`: the start of its short form (4 characters or more), or of the whole CID. */
function named (key: string, prefix: string): boolean {
  return key.startsWith(prefix) || (key.startsWith(COMMIT_PREFIX) && key.startsWith(prefix, COMMIT_PREFIX.length))
}

/** Whether `arg` names commits: a revision, `^REV`, or a range `A..B` / `A...B` whose ends do. */
export async function isRevision (repo: Repo, arg: string): Promise<boolean> {
  const range = /^(.*?)\.{2,3}(.*)$/.exec(arg)
  const ends = range !== null ? [range[1], range[2]].filter(x => x !== '') : [arg.replace(/^\^/, '')]
  if (ends.length === 0) return false
  for (const end of ends) {
    try {
      await resolveRev(repo, end)
    } catch (err) {
      const code = (err as any)?.code
      if (code === 'UNKNOWN_REVISION' || code === 'BAD_REVISION') return false
      throw err
    }
  }
  return true
}

/**
 * git's reading of `CMD ARG... [-- PATH...]`: with `--`, what comes before
 * it is revisions; without, arguments are revisions while they resolve and
 * paths from the first that does not (each must exist in the working root);
 * one that is both is ambiguous, as in git.
 */
export async function revsAndPaths (repo: Repo, args: string[], dashed: boolean, exists: (p: string) => boolean): Promise<{ revs: string[], paths: string[] }> {
  if (dashed) return { revs: args, paths: [] }
  const revs: string[] = []
  const paths: string[] = []
  for (const a of args) {
    if (paths.length === 0 && await isRevision(repo, a)) {
      if (exists(a)) fail('USAGE', `ambiguous argument ${JSON.stringify(a)}: both a revision and a path in the working root`, { hint: `use -- to tell them apart: \`REV -- PATH\`` })
      revs.push(a)
      continue
    }
    if (!exists(a)) fail('UNKNOWN_REVISION', `ambiguous argument ${JSON.stringify(a)}: unknown revision or path not in the working root`, { hint: 'use -- to tell revisions from paths: `REV... -- PATH...`' })
    paths.push(a)
  }
  return { revs, paths }
}
