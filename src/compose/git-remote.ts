import fs from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { ABSENT, Repo } from '../repo/repo.js'
import { isAcacheError, fail } from '../errors.js'
import { RepoLayout } from '../repo/layout.js'
import { Ctx } from '../context.js'
import { loadIdentity } from '../identity/identity.js'
import { isDid } from '../model/did.js'
import { addRemote } from '../core/remotes.js'
import { fetch } from '../core/fetch.js'
import { push } from '../core/push.js'
import { GitImporter } from '../core/git-import.js'
import { GitExporter } from '../core/git-export.js'
import { isAncestor } from '../merge/base.js'

/**
 * What git-remote-acache does for git: `git clone/fetch acache::WHERE`
 * fetches the signed head published there (checked as any fetch is) into
 * a repository kept inside the git directory ($GIT_DIR/acache/...), and
 * writes its commits into git as `export git` does; `git push` imports the
 * pushed git commits there (signed by your identity, ownership rules
 * applied) and publishes your head at WHERE.
 *
 * WHERE is an `acache id export` message (a friend: fetch theirs, push
 * yours), `did:key:...@URL` (the heads of that key at URL), or a URL or
 * path alone (your own heads there).
 */
export interface RemoteSpec { url: string, key?: string, message?: string }

export function parseRemoteSpec (where: string): RemoteSpec {
  if (where.startsWith('acache:')) return { url: where, message: where }
  const m = /^(did:key:[A-Za-z0-9]+)@(.+)$/.exec(where)
  if (m !== null) {
    if (!isDid(m[1])) fail('BAD_INPUT', `${m[1]} is not an Ed25519 did:key`)
    return { url: m[2], key: m[1] }
  }
  return { url: where }
}

export interface ListedRef { name: string, id: string }

export interface PushSpec { force: boolean, src: string, dst: string }
export interface PushOutcome { dst: string, error?: string }

export class GitRemote {
  readonly repo: Repo
  private readonly spec: RemoteSpec
  private readonly own?: string

  constructor (private readonly ctx: Ctx, readonly gitDir: string, where: string) {
    this.spec = parseRemoteSpec(where)
    if (this.spec.message === undefined && !/^[a-z][a-z0-9+.-]*:\/\//.test(this.spec.url)) this.spec.url = path.resolve(ctx.cwd, this.spec.url)
    this.own = loadIdentity(ctx.home)?.key
    const dir = path.join(gitDir, 'acache', createHash('sha256').update(where).digest('hex').slice(0, 16))
    this.repo = RepoLayout.holdsConfig(dir) ? new Repo(undefined, dir) : this.init(dir)
  }

  private init (dir: string): Repo {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    const repo = Repo.init(dir, { bare: true })
    const theirs = addRemote(repo, 'origin', this.spec.message ?? this.spec.url, this.spec.key, this.own)
    repo.config = Repo.readConfig(repo.dir)
    if (this.own !== undefined && theirs.key !== this.own) {
      addRemote(repo, 'self', theirs.url, this.own)
      repo.config = Repo.readConfig(repo.dir)
    }
    return repo
  }

  /** The remote whose heads a push publishes: ours at the same place. */
  private get pushRemote (): string {
    return this.repo.config.remotes.self !== undefined ? 'self' : 'origin'
  }

  /** Fetches a remote's head; a place where nothing is published yet is empty, not an error. */
  private async fetchFrom (remote: string): Promise<Array<[string, CID]>> {
    try {
      await fetch(this.repo, this.ctx, { remote })
    } catch (err) {
      if (!(isAcacheError(err, 'MISSING_OBJECT') && /has published no head/.test(err.message))) throw err
    }
    return this.repo.refs.list(`refs/remotes/${remote}`).map(([ref, cid]) => [ref.slice(`refs/remotes/${remote}/`.length), cid])
  }

  /** `list` (or `list for-push`): the remote's branches and tags as git refs, their commits written into git. */
  async list (forPush: boolean): Promise<{ refs: ListedRef[], head?: string }> {
    const remote = forPush ? this.pushRemote : 'origin'
    if (forPush && this.own === undefined) fail('NO_IDENTITY', 'pushing needs an acache identity: run `acache id new NAME` first')
    const branches = await this.fetchFrom(remote)
    const exporter = new GitExporter(this.repo, this.gitDir)
    try {
      await exporter.exportReachable(this.ctx, branches.map(([, c]) => c))
      const refs: ListedRef[] = []
      for (const [b, cid] of branches) {
        const ref = b.startsWith('tags/') ? `refs/${b}` : `refs/heads/${b}`
        refs.push({ name: ref, id: exporter.refTarget(ref, cid) })
      }
      exporter.finish()
      const names = refs.map(r => r.name)
      const head = names.includes('refs/heads/main') ? 'refs/heads/main' : names.includes('refs/heads/master') ? 'refs/heads/master' : names.find(n => n.startsWith('refs/heads/'))
      return { refs, head }
    } finally {
      exporter.close()
    }
  }

  /** `push`: the git commits imported and signed, then our head published with every branch we have there. */
  async push (specs: PushSpec[]): Promise<PushOutcome[]> {
    const remote = this.pushRemote
    const published = await this.fetchFrom(remote)
    const release = this.repo.lock()
    const out: PushOutcome[] = []
    let changed = false
    try {
      // our local branches are what we publish there now: nothing else is dropped from the head
      const mirror = this.repo.refs.transaction(`git push: the branches published at ${remote}`)
      const target = new Map([...published].map(([b, cid]) => [b.startsWith('tags/') ? `refs/${b}` : `refs/heads/${b}`, cid]))
      for (const [ref, old] of [...this.repo.refs.list('refs/heads'), ...this.repo.refs.list('refs/tags')]) if (!target.has(ref)) mirror.delete(ref, old)
      for (const [ref, cid] of target) mirror.set(ref, cid, this.repo.refs.read(ref) ?? ABSENT)
      mirror.commit()
      const imp = new GitImporter(this.repo, this.ctx, this.gitDir)
      try {
        for (const s of specs) {
          const dst = s.dst
          if (!/^refs\/(heads|tags)\/./.test(dst)) { out.push({ dst, error: 'acache publishes branches (refs/heads/...) and tags (refs/tags/...) only' }); continue }
          const old = this.repo.refs.read(dst)
          if (s.src === '') {
            if (old !== undefined) { this.repo.refs.transaction(`git push: delete ${dst}`).delete(dst, old).commit(); changed = true }
            out.push({ dst })
            continue
          }
          const id = revParse(this.gitDir, s.src)
          try {
            const tips = await imp.resolve([{ name: dst, id }])
            const tip = tips.get(dst)
            if (tip === undefined) { out.push({ dst, error: 'only commits can be pushed' }); continue }
            await imp.importReachable([tip.commit])
            const cid = imp.map.commits.get(tip.commit)!
            if (old !== undefined && old.toString() !== cid.toString() && !s.force) {
              const parentsOf = async (c: string): Promise<string[]> => (await this.repo.readCommit(CID.parse(c))).parents.map(String)
              if (dst.startsWith('refs/tags/') || !(await isAncestor(old.toString(), cid.toString(), parentsOf))) {
                out.push({ dst, error: dst.startsWith('refs/tags/') ? 'already exists' : 'non-fast-forward' })
                continue
              }
            }
            this.repo.refs.transaction(`git push: ${s.force ? 'forced ' : ''}update from git`).set(dst, cid, old ?? ABSENT).commit()
            changed = true
            out.push({ dst })
          } catch (err) {
            out.push({ dst, error: (err as Error).message.split('\n')[0] })
          }
        }
      } finally {
        imp.close()
      }
    } finally {
      release()
    }
    if (changed && out.some(o => o.error === undefined)) {
      await push(this.repo, this.ctx, { remote, noVerify: true })
    }
    return out
  }
}

function revParse (gitDir: string, rev: string): string {
  const r = spawnSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', rev], { encoding: 'utf8' })
  if (r.status !== 0) fail('UNKNOWN_REVISION', `git cannot resolve ${rev}`)
  return r.stdout.trim()
}
