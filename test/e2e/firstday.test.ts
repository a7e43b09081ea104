/**
 * A git user's first day (issue 17), acted out through the binary: clone
 * from a friend's message, edit, stash, pull with a conflict, resolve,
 * log --graph, tag, push, undo a commit with revert and reset, recover a
 * deleted branch from the reflog.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { User } from '../helpers.js'

test('a git user\'s first day', t => {
  // alice has a project and sends bob the line from `id export`
  const alice = new User('alice').setup()
  alice.write('README.md', 'Project\n\nline one\nline two\n')
  alice.write('src/app.txt', 'app v1\n')
  alice.ok(['commit', '-m', 'start the project'])
  alice.ok(['push'])
  const line = alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()

  // bob clones it: no identity needed to read
  const bob = new User('bob')
  bob.ok(['clone', line, 'project'])
  const dir = path.join(bob.work, 'project')
  const b = (args: string[], env: Record<string, string> = {}): ReturnType<User['run']> => bob.ok(['-C', dir, ...args], { env })
  const bRun = (args: string[]): ReturnType<User['run']> => bob.run(['-C', dir, ...args])
  const read = (p: string): string => fs.readFileSync(path.join(dir, p), 'utf8')
  const write = (p: string, s: string): void => { fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true }); fs.writeFileSync(path.join(dir, p), s) }
  t.is(read('README.md'), 'Project\n\nline one\nline two\n')
  bob.ok(['id', 'new', '--name', 'bob'])
  alice.ok(['remote', 'add', 'bob', bob.ok(['id', 'export', '--publish', dir]).stdout.trim()])

  // he edits; meanwhile alice changes the same file elsewhere; his tree is dirty, so he stashes to pull
  write('README.md', 'Project\n\nline one\nline two, by bob\n')
  alice.write('src/app.txt', 'app v2\n')
  alice.ok(['commit', '-m', 'app v2'])
  alice.ok(['push'])
  b(['stash'])
  t.is(b(['status', '--porcelain']).stdout, '')
  b(['pull'])
  t.is(read('src/app.txt'), 'app v2\n')
  b(['stash', 'pop'])
  t.is(read('README.md'), 'Project\n\nline one\nline two, by bob\n')
  b(['commit', '-m', 'bob improves line two'])

  // both change line two: the pull conflicts, he resolves and commits the merge
  alice.write('README.md', 'Project\n\nline one\nline two, by alice\n')
  alice.ok(['commit', '-m', 'alice improves line two'])
  alice.ok(['push'])
  const pulled = bRun(['pull'])
  t.is(pulled.code, 1, pulled.stderr)
  t.regex(read('README.md'), /<<<<<<< ours[\s\S]*=======[\s\S]*>>>>>>> theirs/)
  t.regex(b(['status']).stdout, /Conflicts/)
  write('README.md', 'Project\n\nline one\nline two, by alice and bob\n')
  b(['commit', '-m', 'merge alice: both improved line two'])
  t.is(b(['status', '--porcelain']).stdout, '')

  // the history as lanes
  const graph = b(['log', '--graph', '--oneline']).stdout
  t.regex(graph, /^\* .* merge alice/m)
  t.regex(graph, /^\|\\/m, 'the merge opens a lane')
  t.regex(graph, /^\| \* .*/m)
  t.regex(graph, /^\|\//m, 'and the lanes join again')
  t.regex(b(['log', '--oneline', '--decorate']).stdout, /\(HEAD -> main\)/)
  t.deepEqual(b(['log', '--json', '--', 'src']).json.commits.map((c: any) => c.message.trim()), ['app v2', 'start the project'])

  // he tags the release and publishes; alice sees his tag
  b(['tag', 'v1'])
  b(['push'])
  alice.ok(['fetch', 'bob'])
  t.is(alice.ok(['show', 'bob/tags/v1:README.md']).stdout, 'Project\n\nline one\nline two, by alice and bob\n')

  // a bad commit, taken back with revert; the revert undone with reset
  write('src/app.txt', 'broken\n')
  b(['commit', '-m', 'oops'])
  b(['revert', 'HEAD'])
  t.is(read('src/app.txt'), 'app v2\n')
  b(['reset', '--hard', 'HEAD~1'])
  t.is(read('src/app.txt'), 'broken\n')
  b(['reset', '--hard', 'HEAD~1'])
  t.is(read('src/app.txt'), 'app v2\n')
  t.is(b(['log', '-n', '1', '--json']).json.commits[0].message.trim(), 'merge alice: both improved line two')

  // a branch deleted by mistake comes back from the reflog
  b(['switch', '-c', 'experiment'])
  write('idea.txt', 'a good idea\n')
  b(['commit', '-m', 'an idea'])
  b(['switch', 'main'])
  t.is(bRun(['branch', '-d', 'experiment']).code, 1, 'not merged: -d refuses')
  b(['branch', '-D', 'experiment'])
  const gone = b(['reflog', '--json']).json.entries.find((e: any) => /an idea/.test(e.message)).commit
  b(['branch', 'experiment', gone])
  b(['switch', 'experiment'])
  t.is(read('idea.txt'), 'a good idea\n')
  t.is(b(['verify']).code, 0)
})
