import fs from 'node:fs'
import path from 'node:path'

/**
 * Where a repository keeps what it knows: `.acache/` in the working root
 * (a bare store is such a directory on its own). RepoLayout is the one place
 * that names what is in it; everything else asks it for a path. Kept free of
 * acache's other modules: the lstat helper finds the index with it before
 * the rest of acache is loaded (worktree/status/preload.ts).
 */
export const REPO_DIR = '.acache'

export class RepoLayout {
  constructor (readonly dir: string) {}

  private at (...parts: string[]): string { return path.join(this.dir, ...parts) }

  /** repository settings (JSON) */
  get config (): string { return this.at('config') }
  /** the current branch (`ref: refs/heads/NAME`) or a commit (detached) */
  get head (): string { return this.at('HEAD') }
  /** a ref's file: `refs/heads/NAME`, `refs/remotes/R/NAME`, `refs/tags/NAME` (or a directory of them) */
  ref (ref: string): string { return this.at(ref) }
  /** held while a ref transaction checks and moves refs (repo/refs.ts) */
  get refsLock (): string { return this.at('refs.lock') }
  /** a ref's log, as git's reflog: `logs/HEAD`, `logs/refs/heads/NAME` (or a directory of them) */
  log (ref: string): string { return this.at('logs', ref) }
  /** the embedded store (Kubo's flatfs layout) */
  get blocks (): string { return this.at('blocks') }
  /** what acache pinned in a Kubo store */
  get kuboPins (): string { return this.at('kubo-pins') }
  /** the stat cache (worktree/status/index-file.ts) */
  get index (): string { return this.at('index') }
  /** heads published here: `<key>.head`, `<key>.ipns-record` (or the directory, without `file`) */
  published (file?: string): string { return file === undefined ? this.at('published') : this.at('published', file) }
  /** what was accepted from each remote: `<remote>.json` (the state) and `<remote>.log` (every head accepted) */
  remoteState (file?: string): string { return file === undefined ? this.at('remote-state') : this.at('remote-state', file) }
  /** what each replica was asked to hold and last said of it: `<replica>.json` (or the directory, without `file`) */
  replicas (file?: string): string { return file === undefined ? this.at('replicas') : this.at('replicas', file) }
  /** blocks received and not yet accepted, a directory per fetch (or their parent, without `name`) */
  staging (name?: string): string { return name === undefined ? this.at('staging') : this.at('staging', name) }
  /** commits and nodes whose closures are stored and verified (repo/complete.ts) */
  get complete (): string { return this.at('complete') }

  /** what a verify found whole and sound (commits, directories, file roots): the next verify reads only what is new */
  get verified (): string { return this.at('verified') }
  /** the parentless commits this repository knows as its own roots */
  get roots (): string { return this.at('roots') }
  /** which remotes a partial fetch left blocks at (repo/partial.ts) */
  get partial (): string { return this.at('partial') }

  /** the sparse checkout's paths (absent: the whole tree is checked out) */
  get sparse (): string { return this.at('sparse') }
  /** a merge left to finish */
  get mergeState (): string { return this.at('MERGE_STATE') }
  /** changes put aside */
  get stash (): string { return this.at('stash') }
  /** the message of the commit being made, for an editor */
  get commitMessage (): string { return this.at('COMMIT_EDITMSG') }
  /** hooks/NAME, run at their moment (repo/hooks.ts) (or the directory, without `name`) */
  hook (name?: string): string { return name === undefined ? this.at('hooks') : this.at('hooks', name) }
  /** files being written before they move into the working root */
  get tmp (): string { return this.at('tmp') }
  /** the one-path command hooks run acache by ($ACACHE; repo/hooks.ts) */
  get hookCommand (): string { return this.at('tmp', 'bin', 'acache') }
  /** there while a process changes the repository (repo/lock.ts) */
  get lock (): string { return this.at('lock') }

  /** The git bridge's state: the map of git IDs to CIDs, annotated tags' objects. */
  git (file?: string): string { return file === undefined ? this.at('git') : this.at('git', file) }

  /** Whether `dir` holds a repository's config (a repository or a bare store). */
  static holdsConfig (dir: string): boolean { return fs.existsSync(new RepoLayout(dir).config) }
}

/** The repository holding `start`, walking up as git does: its working root (none for a bare store) and directory. */
export function findRepository (start: string): { root?: string, dir: string } | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, REPO_DIR)
    if (RepoLayout.holdsConfig(candidate)) return { root: dir, dir: candidate }
    // a bare store is the directory itself (its config says bare)
    const bare = new RepoLayout(dir)
    if (fs.existsSync(bare.config) && fs.existsSync(bare.blocks) && fs.existsSync(bare.head)) return { dir }
    if (path.dirname(dir) === dir) return undefined
  }
}
