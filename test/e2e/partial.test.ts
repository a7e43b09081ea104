import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { User, tmpdir } from '../helpers.js'

function alice (): User {
  const a = new User('alice').setup()
  a.write('models/big.bin', Buffer.alloc(3 * 1024 * 1024).map((_, i) => (i * 13) % 256))
  a.write('docs/readme.md', 'v1\n')
  a.ok(['commit', '-m', 'one'])
  a.write('docs/readme.md', 'v2\n')
  a.ok(['commit', '-m', 'two'])
  a.write('docs/readme.md', 'v3\n')
  a.write('models/small.txt', 's\n')
  a.ok(['commit', '-m', 'three'])
  a.ok(['push'])
  return a
}

test('fetch -- PATH takes only the blocks under it; the rest comes when read, and verify counts it apart', t => {
  const a = alice()
  const b = new User('bob').setup()
  b.ok(['remote', 'add', 'alice', a.work, '--key', a.ok(['id', 'show', '--json']).json.key])
  const f = b.ok(['fetch', 'alice', '--json', '--', 'docs']).json.fetched[0]
  t.true(f.skipped > 0)
  t.true(f.bytes < 100_000, `fetched ${f.bytes} bytes for docs/ only`)
  t.is(b.ok(['show', 'alice/main:docs/readme.md']).stdout, 'v3\n')
  const v = b.ok(['verify', '--json']).json
  t.true(v.ok)
  t.true(v.notFetched > 0)
  // reading a path that was left out fetches it from alice
  const big = b.ok(['show', 'alice/main:models/big.bin', '--json']).json
  t.is(Buffer.from(big.content, 'base64').length, 3 * 1024 * 1024)
  // with alice gone, a block still missing names her
  b.ok(['fetch', 'alice', '--', 'docs'])
  fs.renameSync(a.work, a.work + '.away')
  const gone = b.run(['show', 'alice/main:models/small.txt'])
  t.is(gone.code, 3)
  t.regex(gone.stderr, /alice/)
  fs.renameSync(a.work + '.away', a.work)
  // merging brings the rest on demand; afterwards all is there
  b.ok(['merge', 'alice/main'])
  t.is(b.read('models/small.txt'), 's\n')
  t.is(b.ok(['verify']).code, 0)
})

test('fetch --depth 1 takes the last commit only; older history comes when read', t => {
  const a = alice()
  const b = new User('bob').setup()
  b.ok(['remote', 'add', 'alice', a.work, '--key', a.ok(['id', 'show', '--json']).json.key])
  const f = b.ok(['fetch', 'alice', '--depth', '1', '--json']).json.fetched[0]
  t.is(f.commits, 1)
  t.true(b.ok(['verify', '--json']).json.ok)
  // log reaches back: the older commits are fetched as they are read
  const log = b.ok(['log', 'alice/main', '--oneline']).stdout.trim().split('\n')
  t.is(log.length, 3)
  t.is(b.ok(['show', 'alice/main~2:docs/readme.md']).stdout, 'v1\n')
  // a later full fetch fills in the rest
  a.write('docs/readme.md', 'v4\n')
  a.ok(['commit', '-m', 'four'])
  a.ok(['push'])
  b.ok(['fetch', 'alice'])
  t.is(b.ok(['verify', '--json']).json.notFetched, 0)
})

test('clone --depth 1 takes the last commit and checks it out; older history comes when read', t => {
  const a = alice()
  const dir = path.join(tmpdir('acache-shallow-'), 'shallow')
  const b = new User('bob')
  const c = b.ok(['clone', a.work, dir, '--key', a.ok(['id', 'show', '--json']).json.key, '--depth', '1', '--json']).json
  t.is(c.fetched.commits, 1, 'one commit fetched')
  t.is(fs.readFileSync(path.join(dir, 'docs', 'readme.md'), 'utf8'), a.read('docs/readme.md'))
  t.is(b.ok(['log', '--oneline'], { cwd: dir }).stdout.trim().split('\n').length, 3, 'log reaches back, fetching as it reads')
})
