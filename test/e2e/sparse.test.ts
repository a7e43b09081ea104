import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { User, tmpdir, snapshot } from '../helpers.js'

// A sparse checkout stays partial: clone --sparse fetches and writes only its
// paths, commits keep the rest as it was, a pull does not bring the rest in,
// and the set can be widened, narrowed and dropped.

function files (dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.acache') continue
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(path.relative(dir, p))
    }
  }
  walk(dir)
  return out.sort()
}

function storeBytes (dir: string): number {
  let n = 0
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else n += fs.statSync(p).size
    }
  }
  walk(path.join(dir, '.acache', 'blocks'))
  return n
}

function setup (): { alice: User, bob: User, dir: string } {
  const alice = new User('alice').setup()
  alice.write('code/main.c', 'int main() {}\n')
  alice.write('README', 'readme\n')
  alice.write('data/notes.txt', 'notes\n')
  alice.write('data/big.bin', Buffer.alloc(3 * 1024 * 1024 + 1).map((_, i) => (i * 7) % 251))
  alice.ok(['commit', '-m', 'one'])
  alice.ok(['push'])
  const bob = new User('bob')
  const dir = path.join(tmpdir('acache-sparse-'), 'proj')
  bob.ok(['clone', alice.work, dir, '--key', alice.ok(['id', 'show', '--json']).json.key, '--sparse', 'code', 'README'])
  bob.ok(['id', 'new', '--name', 'bob'])
  return { alice, bob, dir }
}

test('clone --sparse fetches and writes only its paths; status says so and is clean; a commit keeps the rest as it was', t => {
  const { bob, dir } = setup()
  t.deepEqual(files(dir), ['README', 'code/main.c'])
  t.true(storeBytes(dir) < 200 * 1024, `the 3 MiB file was not fetched (${storeBytes(dir)} bytes stored)`)
  const s = bob.ok(['status', '--json'], { cwd: dir }).json
  t.deepEqual(s.changes, [])
  t.deepEqual(s.sparse, { paths: ['code', 'README'], inside: 2, tracked: 4 })
  t.regex(bob.ok(['status'], { cwd: dir }).stdout, /Sparse checkout of code, README: 2 of 4 tracked files are here/)
  const before = bob.ok(['show', 'HEAD:data', '--json'], { cwd: dir }).json.cid
  fs.appendFileSync(path.join(dir, 'code', 'main.c'), '// more\n')
  bob.ok(['commit', '-m', 'code only'], { cwd: dir })
  t.is(bob.ok(['show', 'HEAD:data', '--json'], { cwd: dir }).json.cid, before, 'the commit holds data/ as it was')
  t.deepEqual(bob.ok(['show', '--stat', '--json'], { cwd: dir }).json.files.map((f: any) => f.path), ['code/main.c'])
})

test('a pull stays partial; switch --sparse widens and narrows; a local change stops a narrowing; --no-sparse checks out everything', t => {
  const { alice, bob, dir } = setup()
  alice.write('data/big.bin', Buffer.alloc(3 * 1024 * 1024 + 2).map((_, i) => (i * 13) % 251))
  alice.write('code/main.c', 'int main() { return 0; }\n')
  alice.ok(['commit', '-m', 'two'])
  alice.ok(['push'])
  bob.ok(['pull'], { cwd: dir })
  t.deepEqual(files(dir), ['README', 'code/main.c'])
  t.is(fs.readFileSync(path.join(dir, 'code', 'main.c'), 'utf8'), 'int main() { return 0; }\n')
  t.true(storeBytes(dir) < 200 * 1024, 'the new big file was not fetched either')
  // widen: data comes in (fetched as it is written)
  bob.ok(['switch', '--sparse', 'code', 'data'], { cwd: dir })
  t.deepEqual(files(dir), ['code/main.c', 'data/big.bin', 'data/notes.txt'])
  t.true(fs.readFileSync(path.join(dir, 'data', 'big.bin')).equals(Buffer.from(fs.readFileSync(alice.path('data/big.bin')))))
  t.deepEqual(bob.ok(['status', '--json'], { cwd: dir }).json.changes, [])
  // narrowing would remove a file changed here: refused, nothing changes
  fs.appendFileSync(path.join(dir, 'data', 'notes.txt'), 'mine\n')
  const before = snapshot(dir)
  const r = bob.run(['switch', '--sparse', 'code'], { cwd: dir })
  t.is(r.code, 1)
  t.regex(r.stderr, /would overwrite or remove data\/notes\.txt/)
  t.deepEqual(snapshot(dir), before)
  bob.ok(['restore', 'data/notes.txt'], { cwd: dir })
  bob.ok(['switch', '--sparse', 'code'], { cwd: dir })
  t.deepEqual(files(dir), ['code/main.c'])
  bob.ok(['switch', '--no-sparse'], { cwd: dir })
  t.deepEqual(files(dir), ['README', 'code/main.c', 'data/big.bin', 'data/notes.txt'])
  t.is(bob.ok(['status', '--json'], { cwd: dir }).json.sparse, undefined)
})

test('a merge with conflicts that also changes paths outside the sparse set is refused before anything changes', t => {
  const { alice, bob, dir } = setup()
  bob.ok(['switch', '--sparse', 'code', 'data/notes.txt'], { cwd: dir })
  fs.writeFileSync(path.join(dir, 'data', 'notes.txt'), 'bob\n')
  bob.ok(['commit', '-m', 'bob notes'], { cwd: dir })
  bob.ok(['switch', '--sparse', 'code'], { cwd: dir })
  alice.write('data/notes.txt', 'alice\n')
  alice.write('README', 'readme two\n')
  alice.ok(['commit', '-m', 'alice notes'])
  alice.ok(['push'])
  bob.ok(['fetch'], { cwd: dir })
  const before = snapshot(dir)
  const m = bob.run(['merge', 'origin/main'], { cwd: dir })
  t.is(m.code, 2)
  t.regex(m.stderr, /this merge has conflicts and changes paths outside the sparse checkout: /)
  t.regex(m.stderr, /acache switch --sparse/)
  delete before['.acache/index']
  const after = snapshot(dir)
  delete after['.acache/index']
  t.deepEqual(Object.keys(after).filter(k => !k.startsWith('.acache/blocks') && !k.startsWith('.acache/logs')), Object.keys(before).filter(k => !k.startsWith('.acache/blocks') && !k.startsWith('.acache/logs')))
  // widened to hold it all, the same merge stops at the conflict as usual
  bob.ok(['switch', '--no-sparse'], { cwd: dir })
  t.is(bob.run(['merge', 'origin/main'], { cwd: dir }).code, 1)
})
