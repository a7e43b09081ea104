import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { User, ROOT, tmpdir, snapshot } from '../helpers.js'
import { git, gitEnv, gitSeed } from '../git.js'

// The git bridge against git itself: histories git made (generated, and this
// project's own), imported, exported, and cloned, fetched and pushed through
// git-remote-acache. The oracle is git: the commit IDs it gives back, the
// trees it lists, `git fsck`.

/** Every ref of a git repository: name -> object ID. */
function gitRefs (dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of git(dir, ['for-each-ref', '--format=%(refname) %(objectname)']).toString().split('\n')) {
    if (line === '') continue
    const [ref, id] = line.split(' ')
    out[ref] = id
  }
  return out
}

/** What git records of a commit's tree: mode, blob ID and path of every entry, gitlinks included. */
function lsTree (dir: string, rev: string): string {
  return git(dir, ['ls-tree', '-r', '--full-tree', rev]).toString()
}

/** What git would record of a directory's files, as ls-tree prints it (git add -A in a copy). */
function lsTreeOfFiles (dir: string): string {
  const d = gitSeed()
  fs.cpSync(dir, d, { recursive: true, verbatimSymlinks: true, filter: (src) => !/[/\\]\.(acache|git)$/.test(src) })
  git(d, ['add', '-A'])
  return lsTree(d, git(d, ['write-tree']).toString().trim())
}

function fsck (dir: string): string {
  const r = spawnSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: dir, env: gitEnv(), encoding: 'utf8' })
  return r.status === 0 ? 'ok' : `git fsck exited ${String(r.status)}: ${r.stdout}${r.stderr}`
}

/** PATH with git-remote-acache on it, as `npm install` puts the package's bins. */
function helperPath (): string {
  const bin = tmpdir('acache-bin-')
  fs.symlinkSync(path.join(ROOT, 'bin', 'git-remote-acache.js'), path.join(bin, 'git-remote-acache'))
  return `${bin}:${process.env.PATH ?? ''}`
}

/** git with an acache identity, for the remote helper. */
function gitAs (u: User, cwd: string, args: string[], env: Record<string, string> = {}): { code: number, stdout: string, stderr: string } {
  const r = spawnSync('git', args, { cwd, env: gitEnv({ ACACHE_HOME: u.home, PATH: helperPath(), ...env }), encoding: 'utf8' })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

// ---------------------------------------------------------------- generated histories

type Op =
  | { t: 'write', p: string, c: number }
  | { t: 'exec', p: string }
  | { t: 'link', p: string, to: string }
  | { t: 'rm', p: string }
  | { t: 'mv', p: string }
  | { t: 'commit', latin1: boolean }
  | { t: 'branch' }
  | { t: 'switch', i: number }
  | { t: 'merge', n: number }
  | { t: 'tag', annotated: boolean }

const PATHS = ['a.txt', 'd/b.txt', 'd/e/c.bin', 'sp ace.txt', 'ünï.txt', 'tool.sh']
const CONTENTS = [Buffer.from('one\n'), Buffer.from('two\r\nlines\r\n'), Buffer.from([0, 1, 2, 255, 254]), Buffer.alloc(0), Buffer.from('caf\xe9\n', 'latin1'), Buffer.alloc(70_000, 'x')]
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('write' as const), p: fc.constantFrom(...PATHS), c: fc.nat(CONTENTS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('exec' as const), p: fc.constantFrom(...PATHS) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('link' as const), p: fc.constantFrom('link', 'd/link'), to: fc.constantFrom('a.txt', '../a.txt', 'nowhere') }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rm' as const), p: fc.constantFrom(...PATHS) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('mv' as const), p: fc.constantFrom(...PATHS) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('commit' as const), latin1: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'branch' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('switch' as const), i: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('merge' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tag' as const), annotated: fc.boolean() }) }
)

/** Plays the operations with git: commits, branches, merges (octopus ones too, made with commit-tree), tags. */
function playHistory (dir: string, ops: Op[]): void {
  const branches = ['main']
  let n = 0
  const commit = (latin1: boolean): void => {
    git(dir, ['add', '-A'])
    n++
    if (latin1) {
      const msg = path.join(dir, '..', `msg-${n}`)
      fs.writeFileSync(msg, Buffer.from(`caf\xe9 ${n}\n\nLatin-1 body \xe0 la git\n`, 'latin1'))
      git(dir, ['-c', 'i18n.commitEncoding=ISO-8859-1', 'commit', '-q', '--allow-empty', '-F', msg])
    } else {
      git(dir, ['commit', '-q', '--allow-empty', '-m', `commit ${n}`])
    }
  }
  commit(false)
  for (const o of ops) {
    const abs = (p: string): string => path.join(dir, p)
    switch (o.t) {
      case 'write':
        fs.mkdirSync(path.dirname(abs(o.p)), { recursive: true })
        fs.rmSync(abs(o.p), { force: true })
        fs.writeFileSync(abs(o.p), CONTENTS[o.c])
        break
      case 'exec':
        if (fs.existsSync(abs(o.p)) && !fs.lstatSync(abs(o.p)).isSymbolicLink()) fs.chmodSync(abs(o.p), (fs.statSync(abs(o.p)).mode & 0o100) !== 0 ? 0o644 : 0o755)
        break
      case 'link':
        fs.mkdirSync(path.dirname(abs(o.p)), { recursive: true })
        fs.rmSync(abs(o.p), { force: true })
        fs.symlinkSync(o.to, abs(o.p))
        break
      case 'rm':
        fs.rmSync(abs(o.p), { force: true })
        break
      case 'mv':
        if (fs.existsSync(abs(o.p))) {
          fs.mkdirSync(abs('moved'), { recursive: true })
          fs.renameSync(abs(o.p), abs(`moved/${path.basename(o.p)}`))
        }
        break
      case 'commit':
        commit(o.latin1)
        break
      case 'branch':
        commit(false)
        branches.push(`b${branches.length}`)
        git(dir, ['checkout', '-q', '-b', branches[branches.length - 1]])
        break
      case 'switch':
        commit(false)
        git(dir, ['checkout', '-q', '-f', branches[o.i % branches.length]])
        break
      case 'merge': {
        commit(false)
        const others = branches.filter(b => b !== git(dir, ['branch', '--show-current']).toString().trim()).slice(0, o.n)
        if (others.length === 0) break
        const tree = git(dir, ['write-tree']).toString().trim()
        const id = git(dir, ['commit-tree', tree, '-p', 'HEAD', ...others.flatMap(b => ['-p', b]), '-m', `merge ${others.join(' ')}`]).toString().trim()
        git(dir, ['reset', '-q', '--hard', id])
        break
      }
      case 'tag':
        commit(false)
        n++
        if (o.annotated) git(dir, ['tag', '-a', `t${n}`, '-m', `tag ${n}`])
        else git(dir, ['tag', `t${n}`])
        break
    }
  }
  commit(false)
}

/**
 * The whole round trip for one git repository: import (each branch's tree
 * as git lists it, for the tips), export into a new repository (every ref at
 * the very ID it had), fsck.
 */
function roundTrip (t: import('ava').ExecutionContext, u: User, src: string, label: string): void {
  const imported = u.ok(['import', 'git', src, '--json']).json
  t.true(imported.ok, label)
  const want = gitRefs(src)
  const out = path.join(tmpdir('acache-export-'), 'out')
  u.ok(['export', 'git', out, '--json'])
  const got = gitRefs(out)
  for (const [ref, id] of Object.entries(want)) t.is(got[ref], id, `${label}: ${ref} exported with its git ID`)
  t.is(fsck(out), 'ok', `${label}: git fsck of the export`)
}

test('import git then export git gives every branch and tag back at its git ID (generated histories: merges, octopus merges, renames, modes, symlinks, empty and Latin-1 commits, tags)', t => {
  const runs = fc.sample(fc.array(op, { minLength: 5, maxLength: 40 }), { seed: Number(process.env.ACACHE_FC_SEED ?? 24), numRuns: Number(process.env.ACACHE_FC_RUNS ?? 6) })
  let merges = 0
  let octopus = 0
  // every history starts with an octopus merge of two side branches; what follows is generated
  const octopusFirst: Op[] = [{ t: 'branch' }, { t: 'write', p: 'a.txt', c: 0 }, { t: 'switch', i: 0 }, { t: 'branch' }, { t: 'write', p: 'd/b.txt', c: 2 }, { t: 'switch', i: 0 }, { t: 'merge', n: 2 }]
  for (const [i, ops] of runs.entries()) {
    const src = gitSeed()
    playHistory(src, [...octopusFirst, ...ops])
    const u = new User(`bridge${i}`).setup()
    roundTrip(t, u, src, `history ${i}`)
    // each imported branch, checked out, holds what git's tree lists
    for (const b of Object.keys(gitRefs(src)).filter(r => r.startsWith('refs/heads/'))) {
      const name = b.slice('refs/heads/'.length)
      u.ok(['switch', '-q', name])
      t.is(lsTreeOfFiles(u.work), lsTree(src, b), `history ${i}: ${name} checked out is git's tree`)
    }
    // the last branch's tree is the very tree acache's own commit makes of the same files (the
    // import writes directory nodes its own way, reusing the last version's link bytes)
    const fresh = new User(`fresh${i}`).setup()
    fs.cpSync(u.work, fresh.work, { recursive: true, verbatimSymlinks: true, filter: (src) => !/[/\\]\.acache$/.test(src) })
    fresh.ok(['commit', '-q', '-m', 'the same files', '--allow-empty'])
    t.is(fresh.ok(['log', '-n1', '--format=%T']).stdout, u.ok(['log', '-n1', '--format=%T']).stdout, `history ${i}: the imported tree's CID is the one acache's commit gives`)
    for (const line of git(src, ['rev-list', '--all', '--parents']).toString().split('\n')) {
      const parents = line.split(' ').length - 1
      if (parents === 2) merges++
      if (parents > 2) octopus++
    }
  }
  t.true(merges > 0 && octopus > 0, `the generated histories hold merges (${merges}) and octopus merges (${octopus})`)
})

test('the project\'s own git history round-trips: every commit ID back, and log shows git\'s authors and dates', t => {
  const u = new User('own').setup()
  const src = path.join(tmpdir('acache-own-'), 'own.git')
  git(ROOT, ['clone', '-q', '--bare', '--no-local', ROOT, src])
  roundTrip(t, u, src, 'this project')
  const count = Number(git(src, ['rev-list', '--count', '--all']).toString().trim())
  const log = u.ok(['log', '--all', '--json']).json.commits
  t.is(log.length, count, 'every git commit is an acache commit')
  const first = log[log.length - 1]
  const gitFirst = git(src, ['log', '--reverse', '--format=%H%x00%an%x00%ae%x00%ad', '--date=default']).toString().split('\n')[0].split('\0')
  t.is(first.git.id, gitFirst[0])
  const shown = u.ok(['log', '-1', '--format=%an|%ae|%ad', first.commit]).stdout.trim()
  t.is(shown, `${gitFirst[1]}|${gitFirst[2]}|${gitFirst[3]}`, 'the original author and date, as git log prints them')
  t.regex(u.ok(['log', '-1', first.commit]).stdout, new RegExp(`Imported: from git ${gitFirst[0]}, signed by own `))
})

test('import is deterministic and incremental; commits made in acache export with a did e-mail and come back as themselves', t => {
  const src = gitSeed()
  playHistory(src, [{ t: 'write', p: 'a.txt', c: 0 }, { t: 'commit', latin1: false }, { t: 'write', p: 'd/b.txt', c: 1 }])
  const u = new User('det').setup()
  const again = new User('det2', tmpdir('acache-det2-'))
  fs.mkdirSync(again.home, { recursive: true })
  fs.cpSync(u.home, again.home, { recursive: true }) // the same key
  again.ok(['init', '-q'])
  const a = u.ok(['import', 'git', src, '--json']).json
  const b = again.ok(['import', 'git', src, '--json']).json
  t.deepEqual(a.refs.map((r: any) => r.commit), b.refs.map((r: any) => r.commit), 'the same history and key give the same CIDs')
  t.is(a.commits, 3)
  t.true(fs.existsSync(u.path('a.txt')), 'the unborn branch is checked out')

  // one new git commit: only it is imported
  fs.writeFileSync(path.join(src, 'new.txt'), 'new\n')
  git(src, ['add', '-A'])
  git(src, ['commit', '-q', '-m', 'one more'])
  const inc = u.ok(['import', 'git', src, '--json']).json
  t.is(inc.commits, 1, 'only the new commit')
  const gitId = git(src, ['rev-parse', 'HEAD']).toString().trim()
  t.is(u.ok(['log', '-1', 'main', '--json']).json.commits[0].git.id, gitId, 'log --json gives the git ID')
  t.regex(u.ok(['import', 'git', src]).stderr, /Imported 0 commits/)

  // work made in acache: exported with the signer's name and did e-mail, and mapped back
  u.ok(['switch', '-q', 'main'])
  u.write('acache.txt', 'made here\n')
  u.ok(['commit', '-q', '-m', 'made in acache'])
  const key = u.ok(['id', 'show', '--json']).json.key as string
  const out = path.join(tmpdir('acache-exp-'), 'out')
  u.ok(['export', 'git', out])
  t.is(git(out, ['log', '-1', '--format=%an <%ae>%n%s']).toString().trim(), `det <${key.slice('did:key:'.length)}@did-key.acache.invalid>\nmade in acache`)
  t.is(git(out, ['rev-parse', 'HEAD~1']).toString().trim(), gitId, 'its parent is the git commit it was made on')
  t.is(fsck(out), 'ok')
  t.is(u.ok(['import', 'git', out, '--json']).json.commits, 0, 'importing the export brings nothing new: each git ID maps to its acache commit')
  t.is(lsTreeOfFiles(out), lsTree(out, 'HEAD'), 'the exported repository is checked out')
})

test('submodules, a 100664 mode, GPG-signed commits and annotated tags are kept and written back byte for byte', t => {
  const src = gitSeed()
  const gnupg = tmpdir('acache-gnupg-')
  fs.chmodSync(gnupg, 0o700)
  const env = gitEnv({ GNUPGHOME: gnupg })
  const gpg = spawnSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Signer <signer@example.org>', 'ed25519', 'sign', 'never'], { env, encoding: 'utf8' })
  t.is(gpg.status, 0, `gpg made a key: ${gpg.stderr}`)
  const run = (args: string[]): string => {
    const r = spawnSync('git', args, { cwd: src, env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
    return r.stdout.trim()
  }
  fs.writeFileSync(path.join(src, 'f.txt'), 'f\n')
  run(['add', '-A'])
  run(['-c', 'user.signingkey=signer@example.org', 'commit', '-q', '-S', '-m', 'signed'])
  t.regex(run(['cat-file', 'commit', 'HEAD']), /^gpgsig -----BEGIN PGP SIGNATURE-----/m)
  // a submodule entry and an old-style group-writable mode, as git itself writes trees that hold them
  const blob = run(['rev-parse', 'HEAD:f.txt'])
  const tree = spawnSync('git', ['mktree'], { cwd: src, env, input: `100644 blob ${blob}\tf.txt\n100664 blob ${blob}\told-mode.txt\n160000 commit ${'a'.repeat(40)}\tlib\n`, encoding: 'utf8' }).stdout.trim()
  const c2 = run(['commit-tree', tree, '-p', 'HEAD', '-m', 'with a submodule'])
  run(['reset', '-q', '--hard', c2])
  run(['tag', '-a', 'v1', '-m', 'release one'])
  run(['-c', 'user.signingkey=signer@example.org', 'tag', '-s', 'v1-signed', '-m', 'signed release'])

  const u = new User('quirks').setup()
  const r = u.ok(['import', 'git', src, '--json'])
  t.deepEqual(r.json.submodules, ['lib'], 'the submodule is reported by path')
  t.regex(r.stderr, /submodules are not imported as content: lib/)
  const out = path.join(tmpdir('acache-q-'), 'out')
  u.ok(['export', 'git', out, '--bare'])
  t.deepEqual(gitRefs(out), gitRefs(src), 'branches and both annotated tags at their IDs')
  t.is(git(out, ['cat-file', 'commit', 'HEAD~1']).toString(), git(src, ['cat-file', 'commit', 'HEAD~1']).toString(), 'the signature kept')
  t.is(lsTree(out, 'HEAD'), lsTree(src, 'HEAD'), 'the gitlink and the 100664 mode written back')
  const verify = spawnSync('git', ['verify-commit', 'HEAD~1'], { cwd: out, env })
  t.is(verify.status, 0, 'git verifies the GPG signature of the exported commit')
})

test('git-lfs pointers become the content of the objects that are here, and go back to git as pointers', t => {
  const lfs = spawnSync('git', ['lfs', 'version'], { encoding: 'utf8' })
  if (lfs.status !== 0) { t.fail('git-lfs is not installed: `npm test`\'s set-up installs it (apt-get install git-lfs) when run as root; install it and run again'); return }
  const src = gitSeed()
  git(src, ['lfs', 'install', '--local'])
  git(src, ['lfs', 'track', '*.bin'])
  const big = Buffer.alloc(3 * 1024 * 1024 + 5)
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251
  fs.writeFileSync(path.join(src, 'model.bin'), big)
  fs.writeFileSync(path.join(src, '.acacheattributes'), 'chunker = cdc\n')
  git(src, ['add', '-A'])
  git(src, ['commit', '-q', '-m', 'a model'])
  t.regex(git(src, ['cat-file', 'blob', 'HEAD:model.bin']).toString(), /^version https:\/\/git-lfs.github.com\/spec\/v1/)

  const u = new User('lfs').setup()
  const r = u.ok(['import', 'git', src, '--json']).json
  t.is(r.lfs.stored, 1)
  t.true(fs.readFileSync(u.path('model.bin')).equals(big), 'the checked-out file is the content, not the pointer')
  const out = path.join(tmpdir('acache-lfs-'), 'out')
  u.ok(['export', 'git', out])
  t.deepEqual(gitRefs(out), gitRefs(src), 'the pointer goes back: the same commit IDs')
  const oid = /oid sha256:([0-9a-f]+)/.exec(git(out, ['cat-file', 'blob', 'HEAD:model.bin']).toString())![1]
  t.true(fs.readFileSync(path.join(out, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)).equals(big), 'the content is in git-lfs\'s store of the export')

  const keep = new User('lfs2').setup()
  keep.ok(['import', 'git', src, '--lfs-pointers'])
  t.regex(fs.readFileSync(keep.path('model.bin'), 'utf8'), /^version https:\/\/git-lfs/, '--lfs-pointers keeps the pointer file')
})

test('a git tree acache cannot record is refused with one line, and nothing is imported', t => {
  const src = gitSeed()
  fs.writeFileSync(path.join(src, 'ok.txt'), 'ok\n')
  git(src, ['add', '-A'])
  git(src, ['commit', '-q', '-m', 'fine'])
  const blob = git(src, ['rev-parse', 'HEAD:ok.txt']).toString().trim()
  const inner = git(src, ['mktree'], `100644 blob ${blob}\tconfig\n`).toString().trim()
  const tree = git(src, ['mktree'], `100644 blob ${blob}\tok.txt\n040000 tree ${inner}\t.acache\n`).toString().trim()
  git(src, ['reset', '-q', '--hard', git(src, ['commit-tree', tree, '-p', 'HEAD', '-m', 'hostile']).toString().trim()])
  const u = new User('hostile').setup()
  const before = snapshot(u.path('.acache'))
  const r = u.run(['import', 'git', src])
  t.is(r.code, 2)
  t.regex(r.stderr, /^error: git commit [0-9a-f]{40} has "\.acache", which acache cannot record/m)
  t.is(r.stderr.trim().split('\n').filter(l => l.startsWith('error')).length, 1)
  t.deepEqual(u.run(['branch', '--json']).json?.branches ?? [], [], 'no branch was made')
  t.is(Object.keys(snapshot(u.path('.acache'))).filter(k => k.startsWith('refs')).join(), Object.keys(before).filter(k => k.startsWith('refs')).join())
})

test('git clone, fetch and push through git-remote-acache: three people, signed heads, ownership rules applied', t => {
  // alice publishes to a bare store; bob works in git only; carol in acache
  const alice = new User('alice').setup()
  const store = path.join(tmpdir('acache-store-'), 'store')
  alice.ok(['init', '--bare', '-q', store])
  alice.write('README', 'hello\n')
  alice.write('secret/plan.txt', 'alice only\n')
  const aliceKey = alice.ok(['id', 'show', '--json']).json.key as string
  alice.ok(['commit', '-q', '-m', 'first'])
  alice.ok(['remote', 'add', 'store', store])
  alice.ok(['push', 'store'])
  const message = alice.ok(['id', 'export', '--publish', store]).stdout.trim()

  const bob = new User('bob').setup()
  const cloneDir = path.join(tmpdir('acache-gitclone-'), 'proj')
  const c = gitAs(bob, path.dirname(cloneDir), ['clone', `acache::${message}`, cloneDir])
  t.is(c.code, 0, c.stderr)
  t.is(fs.readFileSync(path.join(cloneDir, 'README'), 'utf8'), 'hello\n')
  t.is(fsck(cloneDir), 'ok')
  t.regex(git(cloneDir, ['log', '--format=%an %s']).toString(), /^alice first$/m)

  // alice moves on; bob's git fetch brings it
  alice.write('README', 'hello again\n')
  alice.ok(['commit', '-q', '-m', 'second'])
  alice.ok(['push', 'store'])
  const f = gitAs(bob, cloneDir, ['pull', '-q', '--ff-only'])
  t.is(f.code, 0, f.stderr)
  t.is(git(cloneDir, ['log', '-1', '--format=%s']).toString().trim(), 'second')
  t.is(git(cloneDir, ['rev-parse', 'HEAD']).toString().trim(), gitAs(bob, cloneDir, ['ls-remote', 'origin', 'refs/heads/main']).stdout.split('\t')[0])

  // bob pushes from git: his own head at the store, signed with his key
  fs.writeFileSync(path.join(cloneDir, 'bob.txt'), 'from git\n')
  git(cloneDir, ['add', '-A'])
  git(cloneDir, ['commit', '-q', '-m', 'bob from git'])
  const bobId = git(cloneDir, ['rev-parse', 'HEAD']).toString().trim()
  const p = gitAs(bob, cloneDir, ['push', 'origin', 'main'])
  t.is(p.code, 0, p.stderr)
  const bobKey = bob.ok(['id', 'show', '--json']).json.key as string
  const carol = new User('carol').setup()
  carol.ok(['remote', 'add', 'bob', store, '--key', bobKey])
  carol.ok(['fetch', 'bob'])
  const got = carol.ok(['log', '-1', 'bob/main', '--json']).json.commits[0]
  t.is(got.git.id, bobId, 'carol has bob\'s git commit, its git ID kept')
  t.is(got.author.key, bobKey, 'signed by bob\'s key')
  t.is(got.signature, 'good')

  // ownership: alice owns secret/; bob's git push that changes it is refused, nothing published
  alice.write('.acacheowners', `/secret/ ${aliceKey}\n`)
  alice.ok(['commit', '-q', '-m', 'owners'])
  alice.ok(['push', 'store'])
  t.is(gitAs(bob, cloneDir, ['pull', '-q', '--no-rebase', '--no-edit']).code, 0)
  fs.writeFileSync(path.join(cloneDir, 'secret', 'plan.txt'), 'bob was here\n')
  git(cloneDir, ['commit', '-q', '-am', 'bob edits the plan'])
  const refused = gitAs(bob, cloneDir, ['push', 'origin', 'main'])
  t.not(refused.code, 0)
  t.regex(refused.stderr, /secret\/plan\.txt/)
  carol.ok(['fetch', 'bob'])
  t.is(carol.ok(['log', '-1', 'bob/main', '--json']).json.commits[0].git.id, bobId, 'nothing new was published')
})

test('a git object over the size limit is refused with one line, read past, never held; what came before it is imported', t => {
  const src = gitSeed()
  fs.writeFileSync(path.join(src, 'small.txt'), 'small\n')
  git(src, ['add', '-A'])
  git(src, ['commit', '-q', '-m', 'small'])
  fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7))
  git(src, ['add', '-A'])
  git(src, ['commit', '-q', '-m', 'big'])
  const u = new User('limits').setup()
  const r = u.run(['import', 'git', src], { env: { ACACHE_MAX_GIT_OBJECT_BYTES: String(1024 * 1024) } })
  t.is(r.code, 2)
  t.regex(r.stderr, /^error: git object [0-9a-f]{40} is 3145728 bytes, over the 1048576-byte limit/m)
  t.is(r.stderr.split('\n').filter(l => l.startsWith('error')).length, 1)
  t.deepEqual(u.ok(['branch', '--json']).json.branches, [], 'no branch moved')
  // with the default limit the same history imports whole, and the first commit was not imported twice
  const again = u.ok(['import', 'git', src, '--json']).json
  t.is(again.commits, 1)
  t.is(again.skipped, 0)
})
