/**
 * The ref store (src/repo/refs.ts): every move is a transaction carrying
 * the old value the command read and why it moves. A writer that moved a
 * ref in between is detected and nothing changes; a move that fails half
 * way is undone; every move is logged with its message.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { ROOT, tmpdir } from '../helpers.js'
import { RepoLayout } from '../../src/repo/layout.js'
import { ABSENT, RefStore } from '../../src/repo/refs.js'
import { isAcacheError } from '../../src/errors.js'

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

function store (): { refs: RefStore, layout: RepoLayout, dir: string } {
  const dir = tmpdir('acache-refs-')
  const layout = new RepoLayout(dir)
  fs.mkdirSync(layout.ref('refs/heads'), { recursive: true })
  fs.writeFileSync(layout.head, 'ref: refs/heads/main\n')
  return { refs: new RefStore(layout), layout, dir }
}

test('a move whose old value is no longer there is refused, and no ref of the transaction moves', async t => {
  const { refs, layout } = store()
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(cidOf))
  refs.transaction('setup').set('refs/heads/main', a, ABSENT).set('refs/heads/topic', a, ABSENT).commit()
  // the command reads both, then another process moves topic
  const readMain = refs.read('refs/heads/main')!
  const readTopic = refs.read('refs/heads/topic')!
  new RefStore(layout).transaction('someone else').set('refs/heads/topic', c, readTopic).commit()
  const err = t.throws(() => refs.transaction('mine').set('refs/heads/main', b, readMain).set('refs/heads/topic', b, readTopic).commit())
  t.true(isAcacheError(err, 'REF_MOVED'))
  t.regex(err!.message, /refs\/heads\/topic was changed by another process/)
  t.true(refs.read('refs/heads/main')!.equals(a), 'main did not move either')
  t.true(refs.read('refs/heads/topic')!.equals(c))
  // and the log holds only the moves that happened
  t.deepEqual(refs.readLog('refs/heads/main').map(e => e.message), ['setup'])
  // ABSENT: a ref that exists now is not created over
  t.true(isAcacheError(t.throws(() => refs.transaction('create').set('refs/heads/main', b, ABSENT).commit()), 'REF_MOVED'))
  // no expectation: a forced move
  refs.transaction('reset: moving to b').set('refs/heads/main', b).commit()
  t.true(refs.read('refs/heads/main')!.equals(b))
})

test('every move is logged with its message, HEAD too when its branch moves; advanceHead follows HEAD', async t => {
  const { refs } = store()
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(cidOf))
  refs.transaction('commit (initial): one').advanceHead(a, ABSENT).commit()
  refs.transaction('commit: two').advanceHead(b, a).commit()
  t.true(refs.read('refs/heads/main')!.equals(b))
  t.deepEqual(refs.readLog('refs/heads/main').map(e => [e.old?.toString(), e.new?.toString(), e.message]), [
    [a.toString(), b.toString(), 'commit: two'], [undefined, a.toString(), 'commit (initial): one']
  ])
  t.deepEqual(refs.readLog('HEAD').map(e => e.message), ['commit: two', 'commit (initial): one'])
  // detached: HEAD itself moves
  refs.transaction('switch: to a').setHead({ cid: a }, b).commit()
  refs.transaction('commit: detached').advanceHead(c, a).commit()
  t.true(refs.headCommit()!.equals(c))
  t.true(refs.read('refs/heads/main')!.equals(b), 'the branch stays')
  t.deepEqual(refs.readLog('HEAD').slice(0, 2).map(e => e.message), ['commit: detached', 'switch: to a'])
  t.true(isAcacheError(t.throws(() => refs.transaction('commit: stale').advanceHead(a, b).commit()), 'REF_MOVED'))
  // tags are not logged (git's core.logAllRefUpdates), and a transaction is committed once
  const tx = refs.transaction('tag').set('refs/tags/v1', a, ABSENT)
  tx.commit()
  t.deepEqual(refs.withLogs(), ['HEAD', 'refs/heads/main'])
  t.true(isAcacheError(t.throws(() => tx.commit()), 'BUG'))
})

test('a transaction that fails half way (a ref that cannot be written) is undone', async t => {
  const { refs, layout } = store()
  const [a, b] = await Promise.all(['a', 'b'].map(cidOf))
  refs.transaction('setup').set('refs/heads/x', a, ABSENT).set('refs/heads/d', a, ABSENT).commit()
  // refs/heads/d is a file: refs/heads/d/e cannot be made, after x was already moved
  const err = t.throws(() => refs.transaction('both').set('refs/heads/x', b, a).set('refs/heads/new', b, ABSENT).set('refs/heads/d/e', b, ABSENT).commit())
  t.truthy(err)
  t.true(refs.read('refs/heads/x')!.equals(a), 'x is back where it was')
  t.is(refs.read('refs/heads/new'), undefined, 'new is gone again')
  t.false(fs.existsSync(layout.refsLock), 'the refs lock is released')
})

test('processes racing on one ref: each move either lands on the value it read or is refused; none is lost', async t => {
  const { dir } = store()
  const workers = 4
  const rounds = 40
  // each worker reads main, then moves it to a new value expecting what it read, `rounds` times
  const script = `
    import { RefStore } from ${JSON.stringify(path.join(ROOT, 'dist/src/repo/refs.js'))}
    import { RepoLayout } from ${JSON.stringify(path.join(ROOT, 'dist/src/repo/layout.js'))}
    import { CID } from 'multiformats/cid'
    import { sha256 } from 'multiformats/hashes/sha2'
    const refs = new RefStore(new RepoLayout(process.argv[1]))
    const landed = [], refused = []
    for (let i = 0; i < ${rounds}; i++) {
      const old = refs.read('refs/heads/main')
      const next = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode(process.argv[2] + ':' + i)))
      try { refs.transaction('worker ' + process.argv[2] + ' ' + i).set('refs/heads/main', next, old ?? 'absent').commit(); landed.push([old?.toString() ?? null, next.toString()]) }
      catch (err) { if (err.code !== 'REF_MOVED') throw err; refused.push(i) }
    }
    console.log(JSON.stringify({ landed, refused }))
  `
  const results = await Promise.all(Array.from({ length: workers }, async (_, w) => await new Promise<{ landed: Array<[string | null, string]>, refused: number[] }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script, dir, String(w)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let errText = ''
    p.stdout.on('data', d => { out += String(d) })
    p.stderr.on('data', d => { errText += String(d) })
    p.on('close', code => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(errText)))
  })))
  const landed = results.flatMap(r => r.landed)
  t.is(landed.length + results.reduce((n, r) => n + r.refused.length, 0), workers * rounds)
  // the log is one unbroken chain: every move started from the value the one before left
  const log = new RefStore(new RepoLayout(dir)).readLog('refs/heads/main').reverse()
  t.is(log.length, landed.length)
  // and each move that landed started from the very value its worker had read (no update lost)
  const key = (old: string | null | undefined, now: string): string => `${old ?? '-'} ${now}`
  t.deepEqual(log.map(e => key(e.old?.toString(), e.new!.toString())).sort(), landed.map(([o, n]) => key(o, n)).sort())
  for (let i = 1; i < log.length; i++) t.true(log[i].old!.equals(log[i - 1].new!), `move ${i} started where move ${i - 1} ended`)
  t.true(log[log.length - 1].new!.equals(new RefStore(new RepoLayout(dir)).read('refs/heads/main')!))
})
