import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { ROOT, User, tmpdir } from '../helpers.js'
import { git, gitEnv, gitSeed } from '../git.js'

// git is the oracle: real histories replayed through acache, every commit's
// tree compared with the tree git recorded, every merge git made cleanly
// made by acache's own merge and compared too.

/** The tree git would record for `work` (acache's working root), by git itself: a throw-away index, write-tree. */
function gitTreeOfWork (gitDir: string, work: string): string {
  const index = path.join(tmpdir('acache-idx-'), 'index')
  const env = gitEnv({ GIT_DIR: gitDir, GIT_WORK_TREE: work, GIT_INDEX_FILE: index })
  const run = (args: string[]): string => {
    const r = spawnSync('git', args, { cwd: work, env })
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`)
    return r.stdout.toString().trim()
  }
  // every file there, whatever the ignore rules say (acache recorded what the commit had)
  run(['add', '-A', '-f', '--', '.', ':!.acache'])
  return run(['write-tree'])
}

/** Makes `work` hold exactly the tree of git commit `commit` (its .acache left alone). */
function checkoutInto (gitDir: string, commit: string, work: string): void {
  for (const name of fs.readdirSync(work)) if (name !== '.acache') fs.rmSync(path.join(work, name), { recursive: true, force: true })
  const tar = spawnSync('git', ['--git-dir', gitDir, 'archive', '--format=tar', commit], { env: gitEnv(), maxBuffer: 1 << 30 })
  if (tar.status !== 0) throw new Error(tar.stderr.toString())
  const x = spawnSync('tar', ['-x', '-C', work], { input: tar.stdout })
  if (x.status !== 0) throw new Error(x.stderr.toString())
}

interface Replayed { commits: number, merges: number, mergesCompared: number }

/**
 * Replays git commits (oldest first) into `u`'s repository: a commit with
 * one parent is its tree committed on its parent's replay; a merge is
 * `acache merge` of its parents' replays, whose result must be git's tree
 * wherever git merged them cleanly. Checks each recorded tree against git's.
 */
function replay (t: any, u: User, gitDir: string, commits: string[]): Replayed {
  const map = new Map<string, string>()
  const out: Replayed = { commits: 0, merges: 0, mergesCompared: 0 }
  const treeOf = (c: string): string => git(gitDir, ['rev-parse', `${c}^{tree}`]).toString().trim()
  let head: string | undefined
  const record = (c: string, cid: string): void => { map.set(c, cid); head = cid; out.commits++ }
  for (const [k, c] of commits.entries()) {
    const parents = git(gitDir, ['rev-list', '--parents', '-n', '1', c]).toString().trim().split(' ').slice(1).filter(p => map.has(p))
    const message = `replay of ${c}`
    if (parents.length > 0 && map.get(parents[0]) !== head) u.ok(['switch', '-q', '--detach', map.get(parents[0])!])
    if (parents.length === 2) {
      out.merges++
      const m = u.run(['merge', '--no-ff', '-m', message, map.get(parents[1])!])
      const byGit = spawnSync('git', ['--git-dir', gitDir, 'merge-tree', '--write-tree', parents[0], parents[1]], { env: gitEnv() })
      const gitClean = byGit.status === 0 && byGit.stdout.toString().split('\n')[0] === treeOf(c)
      if (gitClean) {
        out.mergesCompared++
        t.is(m.code, 0, `acache merge of ${parents.join(' ')} failed where git merged cleanly: ${m.stdout}${m.stderr}`)
        t.is(gitTreeOfWork(gitDir, u.work), treeOf(c), `merge ${c}: acache's merge differs from git's`)
        record(c, u.ok(['log', '-1', '--format=%H']).stdout.trim())
        continue
      }
      // resolved by hand in git: take git's result as the resolution
      if (m.code !== 0) u.run(['merge', '--abort'])
    }
    checkoutInto(gitDir, c, u.work)
    const done = u.ok(['commit', '--allow-empty', '-m', message, '--json']).json
    if (k % 4 === 0) t.is(u.ok(['status', '--porcelain']).stdout, '', `${c}: the working root is what was recorded`)
    t.is(gitTreeOfWork(gitDir, u.work), treeOf(c), `${c}: the tree differs from git's`)
    record(c, done.commit)
  }
  // the recorded trees, checked out again from the store, are git's
  const sample = commits.filter((_, i) => i % 5 === 0)
  for (const c of sample) {
    u.ok(['switch', '-q', '--detach', map.get(c)!])
    t.is(gitTreeOfWork(gitDir, u.work), treeOf(c), `${c} checked out again`)
  }
  return out
}

test("this project's own recent history, replayed commit by commit, gives git's trees", t => {
  const gitDir = path.join(ROOT, '.git')
  t.true(fs.existsSync(gitDir), 'the tests run in a git checkout of acache')
  const n = Number(process.env.ACACHE_REPLAY_COMMITS ?? 10)
  const commits = git(ROOT, ['rev-list', '--first-parent', '--reverse', '-n', String(n), 'HEAD']).toString().trim().split('\n')
  const u = new User('replayer').setup()
  const r = replay(t, u, gitDir, commits)
  t.is(r.commits, commits.length)
})

/** A generated history made by git itself: edits, additions, deletions, renames, mode changes, symlinks, branches and merges. */
function generatedHistory (seed: number): string {
  const dir = gitSeed()
  const ops = fc.sample(fc.array(fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000)), { minLength: 48, maxLength: 48 }), { seed, numRuns: 1 })[0]
  const files = (): string[] => git(dir, ['ls-files']).toString().split('\n').filter(f => f !== '')
  const text = (n: number): string => Array.from({ length: 12 }, (_, i) => `line ${i} of ${n}\n`).join('')
  fs.writeFileSync(path.join(dir, 'README'), text(0))
  fs.mkdirSync(path.join(dir, 'src'))
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, 'src', `f${i}.txt`), text(i))
  git(dir, ['add', '-A'])
  git(dir, ['commit', '-q', '-m', 'root'])
  let branch = 0
  let step = 0
  for (const [a, b, c] of ops) {
    step++
    const fl = files()
    const f = fl[a % fl.length]
    const abs = path.join(dir, f)
    switch (step % 6 === 0 ? 8 : b % 8) {
      case 0: case 1: case 2: { // edit one line, in a region that depends on the branch (so branches mostly merge cleanly)
        if (fs.lstatSync(abs).isSymbolicLink()) break
        const ls = fs.readFileSync(abs, 'utf8').split('\n')
        const at = (branch * 4 + c) % Math.max(1, ls.length - 1)
        ls[at] = `edited at step ${step}\t(tab)\r`
        fs.writeFileSync(abs, ls.join('\n'))
        break
      }
      case 3: fs.mkdirSync(path.join(dir, 'dir', String(c % 3)), { recursive: true }); fs.writeFileSync(path.join(dir, 'dir', String(c % 3), `new${step}`), text(step)); break
      case 4: if (fl.length > 3) git(dir, ['rm', '-q', f]); break
      case 5: if (!fs.lstatSync(abs).isSymbolicLink()) fs.chmodSync(abs, (fs.statSync(abs).mode & 0o100) !== 0 ? 0o644 : 0o755); break
      case 6: if (!fs.existsSync(path.join(dir, `link${step}`))) fs.symlinkSync(f, path.join(dir, `link${step}`)); break
      case 7: if (branch === 0 && b % 2 === 0) { git(dir, ['mv', f, `moved-${step}-${path.basename(f)}`]) } break
      case 8: { // branch off, or merge back
        if (branch === 0) { git(dir, ['switch', '-q', '-c', `topic${step}`]); branch = 1 } else {
          const topic = git(dir, ['branch', '--show-current']).toString().trim()
          git(dir, ['switch', '-q', 'main'])
          const m = spawnSync('git', ['merge', '-q', '--no-ff', '-m', `merge ${topic}`, topic], { cwd: dir, env: gitEnv() })
          if (m.status !== 0) git(dir, ['merge', '--abort'])
          branch = 0
        }
        continue
      }
    }
    git(dir, ['add', '-A'])
    git(dir, ['commit', '-q', '--allow-empty', '-m', `step ${step}`])
  }
  if (branch === 1) {
    const topic = git(dir, ['branch', '--show-current']).toString().trim()
    git(dir, ['switch', '-q', 'main'])
    const m = spawnSync('git', ['merge', '-q', '--no-ff', '-m', `merge ${topic}`, topic], { cwd: dir, env: gitEnv() })
    if (m.status !== 0) git(dir, ['merge', '--abort'])
  }
  return dir
}

test('a generated history with branches and merges (made by git), replayed: every tree and every clean merge is git\'s', t => {
  const dir = generatedHistory(Number(process.env.ACACHE_FC_SEED ?? 24))
  const commits = git(dir, ['rev-list', '--reverse', '--topo-order', 'main']).toString().trim().split('\n')
  const u = new User('merger').setup()
  const r = replay(t, u, path.join(dir, '.git'), commits)
  t.is(r.commits, commits.length)
  t.true(r.merges >= 2, `only ${r.merges} merges were generated`)
  t.true(r.mergesCompared >= 2, `only ${r.mergesCompared} merges were compared`)
  t.log(`${r.commits} commits, ${r.merges} merges, ${r.mergesCompared} made by acache and equal to git's`)
})
