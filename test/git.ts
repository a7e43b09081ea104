import fs from 'node:fs'
import path from 'node:path'
import { execFileSync, spawnSync } from 'node:child_process'
import fc from 'fast-check'
import type { ExecutionContext } from 'ava'
import { tmpdir } from './helpers.js'

// git as the oracle: one environment free of the user's and the system's
// configuration (no global excludes, no hooks, a fixed identity and dates),
// so what git answers depends only on what a test gives it.

let home: string | undefined

export function gitEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  home ??= tmpdir('acache-githome-')
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Oracle',
    GIT_AUTHOR_EMAIL: 'oracle@example.org',
    GIT_COMMITTER_NAME: 'Oracle',
    GIT_COMMITTER_EMAIL: 'oracle@example.org',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_DATE: '1700000000 +0000',
    LC_ALL: 'C',
    ...extra
  }
}

/** `git ARGS` in `cwd`; its stdout as bytes (throws with git's stderr when it fails). */
export function git (cwd: string, args: string[], input?: string | Uint8Array): Buffer {
  const r = spawnSync('git', args, { cwd, env: gitEnv(), input, maxBuffer: 1024 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} exited ${String(r.status)}: ${r.stderr.toString()}`)
  return r.stdout
}

/** A new, empty git repository in a fresh directory. */
export function gitSeed (): string {
  const dir = tmpdir('acache-git-')
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: gitEnv() })
  return dir
}

/** Whether git is on this machine (the oracle tests need it). */
export function haveGit (): boolean {
  return spawnSync('git', ['--version']).status === 0
}

/** Writes `files` (path -> bytes) under `root`, making directories as needed. */
export function writeFiles (root: string, files: Record<string, string | Uint8Array>): void {
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(p)), { recursive: true })
    fs.writeFileSync(path.join(root, p), content)
  }
}

/**
 * Runs a property with a fixed seed (ACACHE_FC_SEED and ACACHE_FC_RUNS change
 * them) and fails the test with fast-check's report: the seed, the path and
 * the shrunk counterexample.
 */
export function assertProperty (t: ExecutionContext, prop: fc.IProperty<any>, runs: number): void {
  const r = fc.check(prop, { seed: Number(process.env.ACACHE_FC_SEED ?? 24), numRuns: Number(process.env.ACACHE_FC_RUNS ?? runs) })
  t.false(r.failed, `${fc.defaultReportMessage(r) ?? ''}\n${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}`)
  t.true(r.numRuns > 0, 'the property ran')
}
