/**
 * Habits git users bring (issue 17, "surprises to remove"): each one as the
 * user meets it, through the binary.
 */
import test from 'ava'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { User, tmpdir, startServe, replaceStoredBlock } from '../helpers.js'

const key = (u: User): string => u.ok(['id', 'show', '--json']).json.key

function repo (): User {
  const u = new User('alice').setup()
  u.write('a.txt', 'one\n')
  u.ok(['commit', '-m', 'first'])
  u.write('a.txt', 'two\n')
  u.ok(['commit', '-m', 'second'])
  return u
}

/** alice with two commits, pushed to her own directory; bob with her as remote `alice` (not fetched yet). */
function aliceAndBob (): { alice: User, bob: User } {
  const alice = repo()
  alice.ok(['push'])
  const bob = new User('bob').setup()
  bob.ok(['remote', 'add', 'alice', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()])
  return { alice, bob }
}

test('short IDs: 7 characters of the digest, shown and accepted (not the prefix every commit CID shares)', t => {
  const u = repo()
  const lines = u.ok(['log', '--oneline']).stdout.trim().split('\n')
  const short = lines[1].split(' ')[0]
  t.regex(short, /^[a-z2-7]{7}$/)
  t.false(short.startsWith('baguqeera'))
  t.is(u.ok(['show', `${short}:a.txt`]).stdout, 'one\n')
  t.is(u.ok(['show', `${short.slice(0, 5)}:a.txt`]).stdout, 'one\n', 'a shorter unique prefix works too')
  t.is(u.run(['log', '-n', 'abc']).code, 2, 'a count that is not a number is bad usage')
})

test('an unknown command names what was typed and suggests only a close match', t => {
  const u = repo()
  const r = u.run(['comit', '-m', 'x'])
  t.is(r.code, 2)
  t.regex(r.stderr, /'comit' is not an acache command/)
  t.regex(r.stderr, /did you mean `acache commit`/)
  const far = u.run(['frobnicate'])
  t.regex(far.stderr, /'frobnicate' is not an acache command/)
  t.notRegex(far.stderr, /did you mean/)
})

test('remote add: your own store needs no --key (it trusts your key, and says so); unusable URLs are refused at once', t => {
  const u = repo()
  const store = path.join(tmpdir(), 'store')
  u.ok(['init', '--bare', store])
  const r = u.ok(['remote', 'add', 'backup', store, '--json'])
  t.is(r.json.added.key, key(u))
  t.true(r.json.added.own)
  t.regex(u.ok(['remote', 'add', 'backup2', store]).stdout, /your own key/)
  u.ok(['push', 'backup'])
  for (const bad of ['ftp://host/x', 'kubo://127.0.0.1:5001', 'http://', 'ipfs:bafy']) {
    const x = u.run(['remote', 'add', 'x', bad, '--key', key(u)])
    t.is(x.code, 2, bad)
  }
})

test('id export --publish . records an absolute path', t => {
  const u = repo()
  const line = u.ok(['id', 'export', '--publish', '.', '--json']).json
  t.deepEqual(line.publish, [u.work])
})

test('fetch with no remote tries every one and reports each; a failure does not hide what the others moved', t => {
  const alice = repo()
  alice.ok(['push'])
  const bob = new User('bob').setup()
  bob.ok(['remote', 'add', 'gone', '/nowhere/at/all', '--key', key(alice)])
  bob.ok(['remote', 'add', 'alice', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()])
  const r = bob.run(['fetch', '--json'])
  t.is(r.code, 5, r.stdout)
  const byName = Object.fromEntries(r.json.fetched.map((x: any) => [x.remote, x]))
  t.is(byName.gone.error.code, 'UNREACHABLE')
  t.is(byName.alice.error, undefined)
  t.is(byName.alice.commits, 2)
  t.is(bob.ok(['show', 'alice/main:a.txt']).stdout, 'two\n')
  t.regex(bob.run(['fetch']).stderr, /1 new commit|up to date/)
})

test('status --porcelain quotes names as git does; -z ends entries with NUL', t => {
  const u = repo()
  u.write('line\nbreak.txt', 'x')
  u.write('tab\there.txt', 'x')
  u.write('ünï.txt', 'x')
  const p = u.ok(['status', '--porcelain']).stdout
  t.true(p.includes('?? "line\\nbreak.txt"\n'), p)
  t.true(p.includes('?? "tab\\there.txt"\n'), p)
  t.true(p.includes('?? "\\303\\274n\\303\\257.txt"\n'), p)
  t.is(p.split('\n').length, 4, 'one line an entry')
  const z = u.ok(['status', '--porcelain', '-z']).stdout
  t.true(z.includes('?? line\nbreak.txt\0'))
})

test('a diff of added and deleted files applies with patch (-0,0 / +0,0 headers)', t => {
  const u = repo()
  u.write('new.txt', 'brand\nnew\n')
  fs.rmSync(u.path('a.txt'))
  u.ok(['commit', '-m', 'add and delete'])
  const d = u.ok(['diff', 'HEAD~1', 'HEAD']).stdout
  t.regex(d, /@@ -0,0 \+1,2 @@/)
  t.regex(d, /@@ -1 ?,?1? \+0,0 @@/)
  // applied to the old tree by patch(1), it gives the new one
  const dir = tmpdir()
  fs.writeFileSync(path.join(dir, 'a.txt'), 'two\n')
  const r = spawnSync('patch', ['-p1', '--batch'], { cwd: dir, input: d, encoding: 'utf8' })
  t.is(r.status, 0, r.stdout + r.stderr)
  t.is(fs.readFileSync(path.join(dir, 'new.txt'), 'utf8'), 'brand\nnew\n')
  t.false(fs.existsSync(path.join(dir, 'a.txt')))
})

test('a bundle and the published head never make each other look like replays', t => {
  const { alice, bob } = aliceAndBob()
  bob.ok(['fetch', 'alice'])
  alice.write('a.txt', 'three\n')
  alice.ok(['commit', '-m', 'third'])
  const file = path.join(tmpdir(), 'b.car')
  alice.ok(['bundle', 'create', file])
  bob.ok(['bundle', 'import', file])
  // the ordinary fetch after it: the same head, not an older one
  const f = bob.run(['fetch', 'alice', '--json'])
  t.is(f.code, 0, f.stdout)
  alice.write('a.txt', 'four\n')
  alice.ok(['commit', '-m', 'fourth'])
  alice.ok(['push'])
  bob.ok(['fetch', 'alice'])
  t.is(bob.ok(['show', 'alice/main:a.txt']).stdout, 'four\n')
})

test('a bundle of some branches moves only those, and the older published head does not undo it or look like a replay', t => {
  const { alice, bob } = aliceAndBob()
  bob.ok(['fetch', 'alice'])
  const main1 = bob.ok(['log', '-n', '1', '--format=%H', 'alice/main']).stdout.trim()
  alice.ok(['switch', '-c', 'feature'])
  alice.write('f.txt', 'feature\n')
  alice.ok(['commit', '-m', 'feature'])
  const file = path.join(tmpdir(), 'feature.car')
  t.is(alice.run(['bundle', 'create', file, 'HEAD~1']).code, 2, 'a bundle names branches, not revisions')
  const made = alice.ok(['bundle', 'create', file, 'feature', '--json']).json
  t.deepEqual(Object.keys(made.branches), ['feature'])
  const imp = bob.ok(['bundle', 'import', file, '--json']).json
  t.true(imp.partial)
  t.deepEqual(imp.refs.map((r: any) => r.ref), ['refs/remotes/alice/feature'], 'only the named branch moved; main is not deleted')
  t.is(bob.ok(['show', 'alice/feature:f.txt']).stdout, 'feature\n')
  // alice has not pushed since: her published head is older than the bundle
  const f = bob.run(['fetch', 'alice', '--json'])
  t.is(f.code, 0, f.stderr)
  t.true(f.json.fetched[0].upToDate)
  t.is(bob.ok(['show', 'alice/feature:f.txt']).stdout, 'feature\n', 'the older full head leaves the newer bundle\'s branch alone')
  t.is(bob.ok(['log', '-n', '1', '--format=%H', 'alice/main']).stdout.trim(), main1)
  t.is(bob.run(['bundle', 'import', file]).code, 0, 'importing the same bundle again changes nothing')
  // her next push is newer than the bundle: it says again what all her branches are
  alice.ok(['switch', 'main'])
  alice.write('a.txt', 'four\n')
  alice.ok(['commit', '-m', 'fourth'])
  alice.ok(['branch', '-D', 'feature'])
  alice.ok(['push'])
  bob.ok(['fetch', 'alice'])
  t.is(bob.ok(['show', 'alice/main:a.txt']).stdout, 'four\n')
  t.is(bob.run(['log', '-n', '1', 'alice/feature']).code, 3, 'a branch she deleted since is gone')
  // now the bundle is older than what was accepted: a replay
  const old = bob.run(['bundle', 'import', file])
  t.is(old.code, 4, old.stderr)
  t.regex(old.stderr, /older head/)
  t.is(bob.run(['log', '-n', '1', 'alice/feature']).code, 3)
  bob.ok(['verify'])
})

test('serve: a busy port is exit 5 with what to do; nothing published yet is said at start', async t => {
  const u = repo()
  const blocker = net.createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as net.AddressInfo).port
  try {
    const r = u.run(['serve', '--port', String(port)])
    t.is(r.code, 5, r.stderr)
    t.regex(r.stderr, /port is in use/)
  } finally {
    blocker.close()
  }
  const s = await startServe(u)
  try {
    // the warning follows the start-up line: wait for it (a bounded poll, not a sleep)
    const deadline = Date.now() + 10_000
    while (!/nothing of yours is published here yet/.test(s.stderr()) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    t.regex(s.stderr(), /nothing of yours is published here yet/)
  } finally {
    await s.stop()
  }
})

test('local changes in a merge\'s way: the hint names commands that exist (stash), never merge --force', t => {
  const alice = repo()
  alice.ok(['switch', '-c', 'other', 'HEAD~1'])
  alice.write('a.txt', 'other\n')
  alice.ok(['commit', '-m', 'other'])
  alice.ok(['switch', 'main'])
  alice.write('a.txt', 'dirty\n')
  const r = alice.run(['merge', 'other'])
  t.is(r.code, 1)
  t.regex(r.stderr, /acache stash/)
  t.notRegex(r.stderr, /--force/)
})

test('gc removes what an interrupted fetch staged and no fetch took over', t => {
  const u = repo()
  const dead = spawnSync('true').pid!
  const stale = path.join(u.work, '.acache', 'staging', `${dead}-1-x`)
  fs.mkdirSync(path.join(stale, 'AB'), { recursive: true })
  fs.writeFileSync(path.join(stale, 'AB', 'x.data'), Buffer.alloc(1024))
  u.ok(['gc'])
  t.false(fs.existsSync(stale))
})

test('hooks get what git gives: pre-push has the remote and, on stdin, a line a ref', t => {
  const u = repo()
  const store = path.join(tmpdir(), 'store')
  u.ok(['init', '--bare', store])
  u.ok(['remote', 'add', 'backup', store])
  u.ok(['tag', 'v1'])
  const seen = path.join(tmpdir(), 'seen')
  fs.writeFileSync(u.path('.acache/hooks/pre-push'), `#!/bin/sh\necho "$1 $2" > "${seen}"\ncat >> "${seen}"\n`, { mode: 0o755 })
  u.ok(['push', 'backup'])
  const lines = fs.readFileSync(seen, 'utf8').trim().split('\n')
  t.is(lines[0], `backup ${store}`)
  const head = u.ok(['log', '-n', '1', '--json']).json.commits[0].commit
  t.true(lines.includes(`refs/heads/main ${head} refs/heads/main 0`), lines.join('\n'))
  t.true(lines.includes(`refs/tags/v1 ${head} refs/tags/v1 0`), lines.join('\n'))
})

test('status says how far the branch is from the one it follows (-sb too); remote -v, rename and set-url', t => {
  const alice = repo()
  alice.ok(['push'])
  const bob = new User('bob').setup()
  bob.ok(['clone', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim(), 'p'])
  const dir = path.join(bob.work, 'p')
  const b = (args: string[]): string => bob.ok(['-C', dir, ...args]).stdout
  t.regex(b(['status']), /up to date with 'alice\/main'/)
  fs.writeFileSync(path.join(dir, 'mine.txt'), 'm\n')
  b(['commit', '-m', 'mine'])
  alice.write('theirs.txt', 't\n')
  alice.ok(['commit', '-m', 'theirs 1'])
  alice.write('theirs.txt', 't2\n')
  alice.ok(['commit', '-m', 'theirs 2'])
  alice.ok(['push'])
  b(['fetch'])
  t.regex(b(['status']), /have diverged: 1 commit here, 2 commits there/)
  t.is(b(['status', '-sb']).split('\n')[0], '## main...alice/main [ahead 1, behind 2]')
  t.deepEqual(bob.ok(['-C', dir, 'status', '--json']).json.upstream, { ref: 'alice/main', ahead: 1, behind: 2 })
  // remotes as git lists them, renamed with their branches
  t.is(b(['remote']).trim(), 'alice')
  t.regex(b(['remote', '-v']), new RegExp(`^alice\\t${alice.work}\\tdid:key:`))
  b(['remote', 'rename', 'alice', 'upstream'])
  t.is(b(['show', 'upstream/main:theirs.txt']), 't2\n')
  t.regex(b(['status']), /diverged: .*'upstream\/main'|'upstream\/main' have diverged/)
  b(['fetch', 'upstream'])
  const moved = path.join(tmpdir(), 'moved')
  fs.renameSync(alice.work, moved)
  b(['remote', 'set-url', 'upstream', moved])
  t.regex(b(['remote', '-v']), new RegExp(`upstream\\t${moved}`))
  t.is(bob.run(['-C', dir, 'fetch', 'upstream']).code, 0)
})

test('switch away from a detached HEAD warns of the commits left behind, and how to keep them', t => {
  const u = repo()
  u.ok(['switch', '--detach', 'HEAD'])
  u.write('lost.txt', 'l\n')
  u.ok(['commit', '-m', 'on a detached head'])
  const r = u.ok(['switch', 'main'])
  t.regex(r.stderr, /leaving 1 commit behind/)
  t.regex(r.stderr, /acache branch NAME [a-z2-7]{7}/)
  const quiet = u.ok(['switch', '-c', 'x'])
  t.notRegex(quiet.stderr, /leaving/)
})

test('help COMMAND shows its manual page', t => {
  const u = new User('h')
  const r = u.ok(['help', 'commit'])
  t.regex(r.stdout, /acache-commit/)
  t.regex(r.stdout, /--amend|\\-\\-amend/)
  t.is(u.run(['help', 'nope']).code, 2)
})

test('a lost or damaged block: verify says how to repair, and verify --repair fetches it again from a remote', async t => {
  const { bob } = aliceAndBob()
  bob.ok(['pull', 'alice'])
  // a file's block lost, the tree's damaged
  const { PackedBlockStore } = await import('../../src/store/packed-blockstore.js')
  const { CID } = await import('multiformats/cid')
  const store = new PackedBlockStore(path.join(bob.work, '.acache', 'blocks'))
  await store.delete(CID.parse(bob.ok(['show', 'HEAD:a.txt', '--json']).json.cid))
  await replaceStoredBlock(bob, CID.parse(bob.ok(['log', '-n', '1', '--json']).json.commits[0].tree), Buffer.from('damaged'))
  const v = bob.run(['verify'])
  t.is(v.code, 1)
  t.regex(v.stderr, /verify --repair/)
  t.regex(bob.run(['fetch', 'alice']).stderr, /up to date/, 'a fetch of the same head cannot see it')
  const r = bob.run(['verify', '--repair', '--json'])
  t.is(r.code, 0, r.stdout)
  t.is(r.json.repaired.length, 2)
  t.true(r.json.ok)
  t.is(bob.ok(['verify']).code, 0)
})

test('on a terminal, log, show and diff go through the pager ($ACACHE_PAGER, $PAGER, else less); off one, never', t => {
  const u = repo()
  const paged = path.join(tmpdir(), 'paged')
  // a real pseudo-terminal (script(1)), and a pager that keeps what it is given
  const run = (args: string): string => spawnSync('script', ['-qec', `"${process.execPath}" "${path.join(process.cwd(), 'bin', 'acache.js')}" ${args}`, '/dev/null'], {
    cwd: u.work, encoding: 'utf8', env: { ...process.env, ACACHE_HOME: u.home, NO_COLOR: '1', FORCE_COLOR: '0', ACACHE_PAGER: `cat > "${paged}"` }
  }).stdout
  run('log')
  const log = fs.readFileSync(paged, 'utf8')
  t.regex(log, /commit [a-z2-7]+ \(HEAD -> main\)/, 'paged, and decorated as on a terminal')
  t.is(log.match(/^Merge:/gm), null, 'no Merge: line for commits with one parent')
  fs.rmSync(paged)
  run('show HEAD~1')
  t.regex(fs.readFileSync(paged, 'utf8'), /\+one/)
  fs.rmSync(paged)
  // not a terminal: straight out
  const direct = u.ok(['log'], { env: { ACACHE_PAGER: `cat > "${paged}"` } })
  t.regex(direct.stdout, /^commit /)
  t.false(fs.existsSync(paged))
})

test('colour on a terminal only: not into a pipe or a file (whether stdout and stderr are terminals, as node:tty says)', t => {
  const u = repo()
  // as a person's shell has it: no NO_COLOR or FORCE_COLOR, and no CI (where chalk never colours)
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ACACHE_HOME: u.home, TERM: 'xterm-256color' }
  const bin = path.join(process.cwd(), 'bin', 'acache.js')
  const shown = path.join(tmpdir(), 'shown')
  const onTerminal = spawnSync('script', ['-qec', `"${process.execPath}" "${bin}" log -n 1`, '/dev/null'], { cwd: u.work, encoding: 'utf8', env: { ...env, ACACHE_PAGER: `cat > "${shown}"` } })
  t.is(onTerminal.status, 0, onTerminal.stderr)
  t.regex(fs.readFileSync(shown, 'utf8'), /\x1b\[3\dm/, 'coloured on a terminal')
  const piped = spawnSync(process.execPath, [bin, 'log', '-n', '1'], { cwd: u.work, encoding: 'utf8', env })
  t.regex(piped.stdout, /^commit /)
  t.false(piped.stdout.includes('\x1b['), 'no colour into a pipe')
  const file = path.join(tmpdir(), 'log.txt')
  const fd = fs.openSync(file, 'w')
  t.is(spawnSync(process.execPath, [bin, 'log', '-n', '1'], { cwd: u.work, env, stdio: ['ignore', fd, 'pipe'] }).status, 0)
  fs.closeSync(fd)
  t.false(fs.readFileSync(file, 'utf8').includes('\x1b['), 'no colour into a file')
  // an error on stderr into a pipe, stdout into /dev/null (a character device, yet no terminal)
  const nul = spawnSync(process.execPath, [bin, 'show', 'nosuchrev'], { cwd: u.work, encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe'] })
  t.regex(nul.stderr, /^error: /, 'no colour on stderr into a pipe')
})

test('output into a pipe that stops reading (show, diff, log -p into head -1): acache stops quietly, exit 0, as git does', t => {
  const u = repo()
  // far more than a pipe holds, so that acache is still writing when head has gone
  u.write('big.txt', Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n') + '\n')
  u.ok(['commit', '-q', '-m', 'big'])
  const bin = path.join(process.cwd(), 'bin', 'acache.js')
  for (const cmd of ['show HEAD:big.txt', 'diff HEAD~1 HEAD', 'log -p']) {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" ${cmd} | head -1`], { cwd: u.work, encoding: 'utf8', env: { ...process.env, ACACHE_HOME: u.home, NO_COLOR: '1' } })
    t.is(r.status, 0, `${cmd}: ${r.stderr}`)
    t.is(r.stderr, '', cmd)
    t.is(r.stdout.split('\n').length, 2, cmd)
  }
})

test('-q silences what is said about the work, never what was asked for', t => {
  const u = repo()
  u.write('a.txt', 'three\n')
  t.is(u.ok(['commit', '-q', '-m', 'third']).stdout, '', 'commit -q: no summary')
  t.regex(u.ok(['log', '-q', '--oneline']).stdout, /third/)
  t.regex(u.ok(['status', '-q']).stdout, /On branch main/)
  t.regex(u.ok(['diff', '-q', 'HEAD~1', 'HEAD']).stdout, /\+three/)
  t.regex(u.ok(['branch', '-q']).stdout, /\* main/)
  t.regex(u.ok(['show', '-q', 'HEAD']).stdout, /third/)
})

test('empty directories are not tracked, as in git, and status says so (every time, also after a commit)', t => {
  const u = repo()
  fs.mkdirSync(u.path('empty'))
  fs.mkdirSync(u.path('a/b'), { recursive: true })
  for (let i = 0; i < 2; i++) {
    const s = u.ok(['status'])
    t.regex(s.stderr, /Empty directories are not tracked/)
    t.regex(s.stderr, /a\/b\/, empty\//)
    t.deepEqual(u.ok(['status', '--json']).json.emptyDirs, ['a/b', 'empty'])
  }
  u.write('c.txt', 'c\n')
  u.ok(['commit', '-m', 'c'])
  t.deepEqual(u.ok(['status', '--json']).json.emptyDirs, ['a/b', 'empty'], 'still said after a commit')
  u.write('empty/kept', 'now it has a file\n')
  const after = u.ok(['status', '--json']).json
  t.deepEqual(after.emptyDirs, ['a/b'])
  t.true(after.changes.some((c: any) => c.path === 'empty/kept' && c.change === 'added'))
  t.notRegex(u.ok(['status', '-s']).stderr, /Empty/, 'the short form stays machine-readable')
})

test("a friend's rewritten branch is a forced update (old...new, its reflog keeps the old head); a moved tag is refused until fetch --force", t => {
  const { alice, bob } = aliceAndBob()
  alice.ok(['tag', 'v1'])
  alice.ok(['push'])
  bob.ok(['fetch', 'alice'])
  const before = bob.ok(['log', '-1', '--format=%H', 'alice/main']).stdout.trim()
  const tagBefore = bob.ok(['log', '-1', '--format=%H', 'alice/tags/v1']).stdout.trim()
  // alice rewrites her last commit and moves her tag to it
  alice.write('a.txt', 'rewritten\n')
  alice.ok(['commit', '-q', '--amend', '-m', 'second, rewritten'])
  alice.ok(['tag', '-f', 'v1'])
  alice.ok(['push'])
  const r = bob.run(['fetch', 'alice'])
  t.is(r.code, 1, 'a refused tag is a finding')
  t.regex(r.stderr, /\+ [a-z2-7]{7}\.\.\.[a-z2-7]{7} alice\/main \(forced update/)
  t.regex(r.stderr, /! \[rejected\] +alice\/tags\/v1 \(would clobber existing tag/)
  t.is(bob.ok(['log', '-1', '--format=%H', 'alice/tags/v1']).stdout.trim(), tagBefore, 'the tag did not move')
  // the remote-tracking branch keeps a reflog: the forced update can be undone
  t.is(bob.ok(['log', '-1', '--format=%H', 'alice/main@{1}']).stdout.trim(), before)
  t.regex(bob.ok(['reflog', 'refs/remotes/alice/main']).stdout, /fetch alice/)
  const again = bob.run(['fetch', 'alice', '--json'])
  t.is(again.code, 1)
  const json = again.json
  t.deepEqual(json.fetched[0].refs.map((u: any) => [u.ref, u.rejected]), [['refs/remotes/alice/tags/v1', 'would clobber existing tag']])
  bob.ok(['fetch', 'alice', '--force'])
  t.is(bob.ok(['log', '-1', '--format=%H', 'alice/tags/v1']).stdout.trim(), alice.ok(['log', '-1', '--format=%H']).stdout.trim())
})

test('git commands and options acache does not have say what to type instead, not a nearby spelling', t => {
  const u = repo()
  const cases: Array<[string[], RegExp]> = [
    [['add', '.'], /no staging area: `acache commit` records every change/],
    [['commit', '-a', '-m', 'x'], /already records every change/],
    [['diff', '--cached'], /`acache diff` shows every change since HEAD/],
    [['restore', '--staged', 'a.txt'], /`acache restore -- PATH`/],
    [['checkout', 'main'], /`acache switch BRANCH`/],
    [['rm', 'a.txt'], /delete the file/],
    [['mv', 'a.txt', 'b.txt'], /move it/],
    [['rebase', 'main'], /`acache merge`.*`acache cherry-pick REV`/],
    [['blame', 'a.txt'], /`acache log -p -- PATH`/],
    [['grep', 'x'], /grep -r/],
    [['config', 'user.name'], /\.acache\/config/]
  ]
  for (const [args, hint] of cases) {
    const r = u.run(args)
    t.is(r.code, 2, args.join(' '))
    t.regex(r.stderr, hint, args.join(' '))
    t.notRegex(r.stderr, /did you mean/, args.join(' '))
  }
  t.is(u.ok(['status', '--porcelain']).stdout, '', 'nothing was done')
})

test('bundle create of the whole repository uses no new seq when nothing changed since the head published', t => {
  const u = repo()
  const dir = tmpdir()
  const first = u.ok(['bundle', 'create', path.join(dir, 'a.car'), '--json']).json
  const again = u.ok(['bundle', 'create', path.join(dir, 'b.car'), '--json']).json
  t.is(again.seq, first.seq)
  t.is(again.head, first.head)
  u.ok(['push'])
  const pushed = u.ok(['bundle', 'create', path.join(dir, 'c.car'), '--json']).json
  u.write('a.txt', 'three\n')
  u.ok(['commit', '-q', '-m', 'third'])
  const changed = u.ok(['bundle', 'create', path.join(dir, 'd.car'), '--json']).json
  t.is(changed.seq, pushed.seq + 1)
  // a friend imports the first and the last: both accepted, in order
  const bob = new User('bob').setup()
  bob.ok(['remote', 'add', 'alice', '/nowhere', '--key', key(u)])
  bob.ok(['bundle', 'import', path.join(dir, 'a.car'), 'alice'])
  bob.ok(['bundle', 'import', path.join(dir, 'd.car'), 'alice'])
  t.is(bob.ok(['show', 'alice/main:a.txt']).stdout, 'three\n')
})

test('upstream hints say what will really happen: your push publishes at your own place for the friend to fetch; during a merge, no pull is suggested', t => {
  const { alice, bob } = aliceAndBob()
  bob.ok(['fetch', 'alice'])
  bob.ok(['merge', 'alice/main'])
  bob.write('b.txt', 'bob\n')
  bob.ok(['commit', '-q', '-m', 'bob'])
  const ahead = bob.ok(['status']).stdout
  t.regex(ahead, /ahead of 'alice\/main' by 1 commit: `acache push` publishes them at your own place, where alice can fetch them/)
  // alice and bob both change a.txt: bob's merge stops on the conflict, and status says to finish it, not to pull
  alice.write('a.txt', 'alice again\n')
  alice.ok(['commit', '-q', '-m', 'alice again'])
  alice.ok(['push'])
  bob.write('a.txt', 'bob too\n')
  bob.ok(['commit', '-q', '-m', 'bob too'])
  bob.ok(['fetch', 'alice'])
  t.is(bob.run(['merge', 'alice/main']).code, 1)
  const merging = bob.ok(['status']).stdout
  t.regex(merging, /have diverged: 2 commits here, 1 commit there\./)
  t.notRegex(merging, /acache pull/)
})
