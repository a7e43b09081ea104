/**
 * What a git user reaches for (issue 17): clone, stash, reset, revert,
 * cherry-pick, commit --amend, the reflog, branch -d/-D/-m, each through
 * the real binary.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { User, tmpdir } from '../helpers.js'

const head = (u: User, rev = 'HEAD'): string => u.ok(['log', rev, '-n', '1', '--json']).json.commits[0].commit
const messages = (u: User, rev = 'HEAD'): string[] => u.ok(['log', rev, '--json']).json.commits.map((c: any) => c.message.trim())

function three (): User {
  const u = new User('alice').setup()
  u.write('a.txt', 'one\n')
  u.ok(['commit', '-m', 'first'])
  u.write('a.txt', 'two\n')
  u.ok(['commit', '-m', 'second'])
  u.write('b.txt', 'bee\n')
  u.ok(['commit', '-m', 'third'])
  return u
}

test('reset --soft keeps the files as changes; reset --hard makes the working root match; HEAD@{1} undoes a reset', t => {
  const u = three()
  const third = head(u)
  const soft = u.ok(['reset', 'HEAD~1', '--json']).json
  t.is(soft.mode, 'soft')
  t.deepEqual(messages(u), ['second', 'first'])
  t.is(u.read('b.txt'), 'bee\n', 'the working root is left as it was')
  t.is(u.ok(['status', '--porcelain']).stdout, '?? b.txt\n')
  u.write('a.txt', 'a local edit\n')
  u.ok(['reset', '--hard', 'HEAD~1'])
  t.deepEqual(messages(u), ['first'])
  t.is(u.read('a.txt'), 'one\n', 'local changes to tracked files are thrown away')
  // a file HEAD never held is kept, as git keeps untracked files
  t.is(u.ok(['status', '--porcelain']).stdout, '?? b.txt\n')
  fs.rmSync(u.path('b.txt'))
  // where it has been: the reflog, and back with HEAD@{N}
  const log = u.ok(['reflog', '--json']).json.entries
  t.regex(log[0].message, /^reset: moving to HEAD~1/)
  t.is(log[2].commit, third)
  u.ok(['reset', '--hard', 'HEAD@{2}'])
  t.is(head(u), third)
  t.is(u.read('b.txt'), 'bee\n')
  t.regex(u.ok(['reflog']).stdout, /HEAD@\{0\}: reset: moving to HEAD@\{2\}/)
  t.is(u.run(['reset', 'HEAD@{99}']).code, 3)
})

test('commit --amend replaces the last commit (message kept unless -m); several -m are paragraphs; the amended one stays in the reflog', t => {
  const u = three()
  const before = head(u)
  u.write('b.txt', 'bee, fixed\n')
  u.ok(['commit', '--amend'])
  t.deepEqual(messages(u), ['third', 'second', 'first'])
  t.is(u.ok(['show', 'HEAD:b.txt']).stdout, 'bee, fixed\n')
  u.ok(['commit', '--amend', '-m', 'third, better', '-m', 'With a body.'])
  const c = u.ok(['log', '-n', '1', '--json']).json.commits[0]
  t.is(c.message, 'third, better\n\nWith a body.\n')
  t.is(c.parents.length, 1)
  t.is(c.parents[0], head(u, 'HEAD~1'))
  t.is(u.ok(['show', `${before}:b.txt`]).stdout, 'bee\n', 'the old commit is still there')
  t.true(u.ok(['reflog', '--json']).json.entries.some((e: any) => e.commit === before))
  t.is(u.run(['commit', '--amend', '-m', 'x', '--json']).code, 0)
})

test('without -m the editor writes the message ($ACACHE_EDITOR); an empty message aborts', t => {
  const u = three()
  u.write('c.txt', 'c\n')
  const editor = path.join(tmpdir(), 'editor.sh')
  fs.writeFileSync(editor, '#!/bin/sh\nprintf "from the editor\\n\\nbody\\n# a comment\\n" > "$1"\n', { mode: 0o755 })
  u.ok(['commit'], { env: { ACACHE_EDITOR: editor } })
  t.is(u.ok(['log', '-n', '1', '--json']).json.commits[0].message, 'from the editor\n\nbody\n')
  u.write('c.txt', 'cc\n')
  const empty = path.join(tmpdir(), 'empty.sh')
  fs.writeFileSync(empty, '#!/bin/sh\n: > "$1"\n', { mode: 0o755 })
  const r = u.run(['commit'], { env: { ACACHE_EDITOR: empty } })
  t.is(r.code, 2)
  t.regex(r.stderr, /message is empty/)
  const s = u.run(['commit'])
  t.is(s.code, 2, 'no terminal, no editor: it says to use -m')
  t.regex(s.stderr, /-m/)
})

test('branch -d refuses an unmerged branch (-D forces, the reflog brings it back); branch -m renames, with its reflog', t => {
  const u = three()
  u.ok(['switch', '-c', 'topic'])
  u.write('t.txt', 'topic\n')
  u.ok(['commit', '-m', 'topic work'])
  const tip = head(u)
  u.ok(['switch', 'main'])
  const d = u.run(['branch', '-d', 'topic', '--json'])
  t.is(d.code, 1)
  t.is(d.json.error.code, 'UNMERGED')
  t.regex(d.json.error.hint, /branch -D topic/)
  u.ok(['branch', '-D', 'topic'])
  t.is(u.run(['show', 'topic']).code, 3)
  // recover it: the reflog of the deleted branch (and of HEAD) still names the commit
  t.is(u.ok(['reflog', 'topic', '--json']).json.entries[1].commit, tip)
  u.ok(['branch', 'topic', 'topic@{1}'])
  t.is(head(u, 'topic'), tip)
  u.ok(['branch', '-m', 'topic', 'feature'])
  t.is(head(u, 'feature'), tip)
  t.is(u.run(['show', 'topic']).code, 3)
  t.true(u.ok(['reflog', 'feature', '--json']).json.entries.length >= 3, 'the log moved with it')
  u.ok(['branch', '-m', 'trunk'])
  t.is(u.ok(['status', '--json']).json.branch, 'trunk')
  u.ok(['merge', 'feature'])
  u.ok(['branch', '-d', 'feature'])
})

test('revert takes a change back as a new commit; cherry-pick applies one; a conflict is left to resolve and commit', t => {
  const u = three()
  const second = head(u, 'HEAD~1')
  u.ok(['revert', second])
  t.is(u.read('a.txt'), 'one\n')
  t.is(u.read('b.txt'), 'bee\n')
  const c = u.ok(['log', '-n', '1', '--json']).json.commits[0]
  t.is(c.message, `Revert "second"\n\nThis reverts commit ${second}.\n`)
  t.is(c.parents.length, 1)
  t.is(u.run(['revert', second]).code, 1, 'already taken back: nothing to commit')
  // cherry-pick from another branch
  u.ok(['switch', '-c', 'side', 'HEAD~3'])
  u.write('side.txt', 'side\n')
  u.ok(['commit', '-m', 'side work'])
  const side = head(u)
  u.ok(['switch', 'main'])
  u.ok(['cherry-pick', 'side'])
  t.is(u.read('side.txt'), 'side\n')
  t.regex(u.ok(['log', '-n', '1', '--json']).json.commits[0].message, new RegExp(`^side work\\n\\n\\(cherry picked from commit ${side}\\)`))
  // a conflicting pick: markers, then commit records it with one parent and the message kept
  u.write('a.txt', 'main says a\n')
  u.ok(['commit', '-m', 'main edits a'])
  u.ok(['switch', 'side'])
  u.write('a.txt', 'side says a\n')
  u.ok(['commit', '-m', 'side edits a'])
  u.ok(['switch', 'main'])
  const r = u.run(['cherry-pick', 'side', '--json'])
  t.is(r.code, 1, r.stdout)
  t.is(r.json.result, 'conflicts')
  t.regex(u.read('a.txt'), /<<<<<<< ours/)
  u.write('a.txt', 'resolved\n')
  u.ok(['commit'])
  const picked = u.ok(['log', '-n', '1', '--json']).json.commits[0]
  t.is(picked.parents.length, 1)
  t.regex(picked.message, /^side edits a/)
  t.is(u.ok(['status', '--porcelain']).stdout, '')
})

test('stash puts local changes aside and brings them back (pop, apply, list, drop); a conflicting pop keeps the stash', t => {
  const u = three()
  u.write('a.txt', 'local edit\n')
  u.write('new.txt', 'untracked work\n')
  u.ok(['stash', '-m', 'wip on a'])
  t.is(u.read('a.txt'), 'two\n')
  t.false(u.exists('new.txt'))
  t.is(u.ok(['status', '--porcelain']).stdout, '')
  t.deepEqual(u.ok(['stash', 'list', '--json']).json.stashes.map((s: any) => s.message), ['wip on a'])
  t.is(u.run(['stash']).code, 1, 'nothing to stash')
  // the change survives gc
  u.ok(['gc', '--now'])
  u.ok(['stash', 'pop'])
  t.is(u.read('a.txt'), 'local edit\n')
  t.is(u.read('new.txt'), 'untracked work\n')
  t.deepEqual(u.ok(['stash', 'list', '--json']).json.stashes, [])
  // apply keeps it; a conflict keeps it too
  u.ok(['stash'])
  u.write('a.txt', 'committed meanwhile\n')
  u.ok(['commit', '-m', 'meanwhile'])
  const p = u.run(['stash', 'pop'])
  t.is(p.code, 1, p.stderr)
  t.regex(u.read('a.txt'), /<<<<<<< ours/)
  t.is(u.ok(['stash', 'list', '--json']).json.stashes.length, 1)
  u.ok(['restore', '--force', 'a.txt'])
  u.ok(['stash', 'drop'])
  t.deepEqual(u.ok(['stash', 'list', '--json']).json.stashes, [])
})

test('clone from a friend\'s id export line: remote named after them, main checked out, no identity needed; then pull', t => {
  const alice = new User('alice').setup()
  alice.write('README', 'hello\n')
  alice.ok(['commit', '-m', 'one'])
  alice.ok(['push'])
  const line = alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()
  const bob = new User('bob') // no identity yet
  const r = bob.ok(['clone', line, 'project', '--json']).json
  t.is(r.remote, 'alice')
  t.is(r.branch, 'main')
  const dir = path.join(bob.work, 'project')
  t.is(fs.readFileSync(path.join(dir, 'README'), 'utf8'), 'hello\n')
  t.is(bob.ok(['-C', dir, 'status', '--porcelain']).stdout, '')
  t.is(bob.ok(['-C', dir, 'verify']).code, 0)
  alice.write('README', 'hello again\n')
  alice.ok(['commit', '-m', 'two'])
  alice.ok(['push'])
  bob.ok(['-C', dir, 'pull'])
  t.is(fs.readFileSync(path.join(dir, 'README'), 'utf8'), 'hello again\n')
  // a URL needs the key; a bad source leaves nothing behind
  t.is(bob.run(['clone', alice.work, 'x']).code, 2)
  t.is(bob.run(['clone', '/nowhere', 'y', '--key', alice.ok(['id', 'show', '--json']).json.key]).code, 5)
  t.false(fs.existsSync(path.join(bob.work, 'y')))
  t.is(bob.run(['clone', line, 'project']).code, 2, 'an existing directory is refused')
})
