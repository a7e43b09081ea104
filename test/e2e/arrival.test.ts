/**
 * Trust, issue 25 item 5: what an arrival path may not take for granted.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { User, tmpdir } from '../helpers.js'
import { friends, publish } from '../attack.js'
import { CID } from 'multiformats/cid'

function pair (): { alice: User, bob: User } {
  const alice = new User('alice').setup()
  alice.write('a.txt', 'one\n')
  alice.ok(['commit', '-q', '-m', 'one'])
  alice.ok(['push'])
  const bob = new User('bob').setup()
  friends(alice, bob)
  return { alice, bob }
}

test('a damaged record of what was accepted fails closed: fetch refuses and says how to mend it, instead of taking any head as new', t => {
  const { bob } = pair()
  bob.ok(['fetch', 'alice'])
  const state = path.join(bob.work, '.acache', 'remote-state', 'alice.json')
  for (const damage of ['{"seq": 1, "head"', '{"seq": "7", "head": "", "time": ""}', 'null', '[]']) {
    fs.writeFileSync(state, damage)
    const r = bob.run(['fetch', 'alice'])
    t.is(r.code, 2, damage)
    t.regex(r.stderr, /is damaged, so an older head could not be told from a new one/)
    t.regex(r.stderr, /acache remote remove alice/)
  }
})

test('a symlink planted where an interrupted fetch stages blocks is never taken over (writes would leave the repository)', t => {
  const { bob } = pair()
  const outside = tmpdir('acache-outside-')
  const staging = path.join(bob.work, '.acache', 'staging')
  fs.mkdirSync(staging, { recursive: true })
  // named as a dead process's staging directory
  fs.symlinkSync(outside, path.join(staging, '999999-1'))
  bob.ok(['fetch', 'alice'])
  t.deepEqual(fs.readdirSync(outside), [], 'nothing was written outside')
  t.is(bob.ok(['show', 'alice/main:a.txt']).stdout, 'one\n')
})

test('cloning a head that publishes only tags makes no branch named tags/...', async t => {
  const alice = new User('alice').setup()
  alice.write('a.txt', 'one\n')
  alice.ok(['commit', '-q', '-m', 'one'])
  const commit = CID.parse(alice.ok(['log', '-1', '--format=%H']).stdout.trim())
  publish(alice, { 'tags/v1': commit })
  const bob = new User('bob').setup()
  const dir = path.join(tmpdir(), 'clone')
  const r = bob.run(['clone', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim(), dir])
  t.is(r.code, 0, r.stderr)
  const branches = bob.ok(['-C', dir, 'branch', '--json']).json
  t.false(JSON.stringify(branches).includes('"tags/v1"'), JSON.stringify(branches))
  t.false(fs.existsSync(path.join(dir, '.acache', 'refs', 'heads', 'tags')))
  t.is(bob.ok(['-C', dir, 'log', '-1', '--format=%s', 'alice/tags/v1']).stdout, 'one\n')
})
