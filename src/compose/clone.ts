import fs from 'node:fs'
import path from 'node:path'
import { installSampleHooks } from '../repo/hooks.js'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { decodeMessage, readIdentityMessage } from '../model/message.js'
import { addRemote } from '../core/remotes.js'
import { fetch, FetchResult } from '../core/fetch.js'
import { importBundle } from '../core/bundle.js'
import { merge } from '../core/merge.js'
import { openRepo } from '../services/open.js'
import { writeSparse } from '../repo/sparse.js'

export interface CloneResult { dir: string, remote: string, url: string, key: string, branch?: string, commit?: string, fetched: FetchResult }

/**
 * `clone MESSAGE|URL|BUNDLE [DIR]`: a new repository in DIR with the friend
 * as a remote (named after them, from their `id export` line, else
 * `origin`), their signed head fetched and verified like any fetch, and
 * their main branch (or their first) checked out as a branch of the same
 * name. Reading needs no identity of one's own. On failure DIR is removed
 * again if clone made it.
 */
export async function clone (ctx: Ctx, source: string, opts: { key?: string, dir?: string, name?: string, branch?: string, depth?: number, sparse?: string[] } = {}): Promise<CloneResult> {
  let url = source
  let key = opts.key
  let friend: string | undefined
  let bundle = false
  if (source.startsWith('acache:')) {
    const id = readIdentityMessage(decodeMessage(source))
    if (id.publish.length === 0) fail('BAD_INPUT', `${id.name}'s message says nowhere they publish`, { hint: 'ask them to export with --publish LOCATION, or clone URL --key DID' })
    url = id.publish[0]
    key = id.key
    friend = id.name
  } else {
    if (key === undefined) fail('USAGE', 'clone from a URL or bundle needs the key its heads are signed with', { hint: 'acache clone URL --key did:key:z6Mk... (or paste their `acache id export` line instead of URL)' })
    bundle = fs.existsSync(source) && fs.statSync(source).isFile()
  }
  const remote = opts.name ?? (friend !== undefined && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(friend) ? friend : 'origin')
  const base = path.basename(url.replace(/\/+$/, '').replace(/\.car$/, '').replace(/\/ipns\/[^/]+$/, '')) || remote
  const dir = path.resolve(ctx.cwd, opts.dir ?? base.replace(/[:@]/g, '-'))
  const existed = fs.existsSync(dir)
  if (existed && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) fail('EXISTS', `${dir} already exists and is not an empty directory`, { hint: 'name another: acache clone SOURCE DIR' })
  try {
    const repo0 = Repo.init(dir)
    installSampleHooks(repo0)
    const sub = { ...ctx, cwd: dir }
    addRemote(repo0, remote, bundle ? path.resolve(ctx.cwd, source) : url, key)
    repo0.config = Repo.readConfig(repo0.dir)
    // a sparse clone: only these paths are fetched and checked out
    if (opts.sparse !== undefined) writeSparse(repo0.layout, opts.sparse.map(p => p.replace(/^\/+|\/+$/g, '')).filter(p => p !== ''))
    const fetched = bundle ? await importBundle(repo0, sub, path.resolve(ctx.cwd, source)) : (await fetch(repo0, sub, { remote, depth: opts.depth }))[0]
    // opened again as commands open it: what a shallow fetch left at the remote is read from there
    const repo = openRepo(dir)
    // their branches; tags/NAME are their tags, never a branch to check out
    const theirs = repo.refs.list(`refs/remotes/${remote}`).map(([ref]) => ref.slice(`refs/remotes/${remote}/`.length)).filter(b => !b.startsWith('tags/'))
    const branch = opts.branch ?? (theirs.includes('main') ? 'main' : theirs[0])
    if (opts.branch !== undefined && !theirs.includes(opts.branch)) fail('UNKNOWN_REVISION', `${remote} publishes no branch ${opts.branch}`, { hint: `theirs: ${theirs.join(', ') || '(none)'}` })
    let commit: string | undefined
    if (branch !== undefined) {
      repo.refs.transaction(`clone: from ${url}`).setHead({ ref: `refs/heads/${branch}` }).commit()
      const m = await merge(repo, sub, { rev: `${remote}/${branch}` })
      commit = m.commit
      // the branch follows theirs: status says how far apart, pull knows where from
      repo.config = Repo.readConfig(repo.dir)
      repo.config.branches = { ...(repo.config.branches as object ?? {}), [branch]: { remote } }
      repo.saveConfig()
    }
    return { dir, remote, url, key: key!, branch, commit, fetched }
  } catch (err) {
    fs.rmSync(existed ? path.join(dir, '.acache') : dir, { recursive: true, force: true })
    throw err
  }
}
