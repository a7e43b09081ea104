import test from 'ava'
import { CID } from 'multiformats/cid'
import { checkHead, checkPushedHead } from '../../src/accept/head.js'
import { moveRemoteRefs, nextState } from '../../src/accept/refs.js'
import { signHead, Head } from '../../src/model/head.js'
import { signCommit } from '../../src/model/commit.js'
import { publicKeyOf, randomSecretKey } from '../../src/model/sign.js'
import { didFromPublicKey } from '../../src/model/did.js'
import { rawCid } from '../../src/model/tree.js'
import { Repo } from '../../src/repo/repo.js'
import { tmpdir } from '../helpers.js'

// The acceptance rules on their own (src/accept/rules.ts), without a
// network or a second user: each rule once for, once against.

const sk = randomSecretKey()
const key = didFromPublicKey(publicKeyOf(sk))
const other = randomSecretKey()
const commit = (n: number): CID => signCommit({ type: 'acache/commit', version: 1, tree: rawCid(new Uint8Array([n])), parents: [], author: { key, name: 'k' }, time: '2026-12-01T00:00:00.000Z', message: `c${n}` }, sk).cid
const head = (seq: number, heads: Record<string, CID>, opts: { partial?: true, secret?: Uint8Array } = {}): { head: Head, bytes: Uint8Array, cid: CID } =>
  signHead({ type: 'acache/head', version: 1, key, seq, time: '2026-12-01T00:00:00.000Z', heads, ...(opts.partial === true ? { partial: true } : {}) }, opts.secret ?? sk)
const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (err) { return (err as any).code } }

test('checkHead: the expected key, a matching signature, branches that are commits', t => {
  const h = head(1, { main: commit(1) })
  t.is(checkHead(h.bytes, key, 'alice').cid.toString(), h.cid.toString())
  t.is(code(() => checkHead(h.bytes, didFromPublicKey(publicKeyOf(other)), 'alice')), 'UNTRUSTED_KEY')
  t.is(code(() => checkHead(head(1, { main: commit(1) }, { secret: other }).bytes, key, 'alice')), 'BAD_SIGNATURE')
  t.is(code(() => checkHead(head(1, { main: rawCid(new Uint8Array([1])) }).bytes, key, 'alice')), 'BAD_OBJECT')
  t.is(code(() => checkHead(new Uint8Array(1024 * 1024 + 1), key, 'alice')), 'TOO_LARGE')
})

test('checkHead: replays are refused, the same head again is fine; a partial head must be newer than what set its branches', t => {
  const h2 = head(2, { main: commit(2) })
  const state = nextState(undefined, h2.head, h2.cid)
  t.is(code(() => checkHead(head(1, { main: commit(1) }).bytes, key, 'alice', state)), 'REPLAY')
  t.is(code(() => checkHead(head(2, { main: commit(3) }).bytes, key, 'alice', state)), 'REPLAY', 'another head with the same seq')
  t.is(code(() => checkHead(h2.bytes, key, 'alice', state)), undefined, 'the same head again')
  const p3 = head(3, { topic: commit(4) }, { partial: true })
  t.is(code(() => checkHead(p3.bytes, key, 'alice', state)), undefined)
  const after = nextState(state, p3.head, p3.cid)
  t.deepEqual(after.newer, { topic: { seq: 3, commit: commit(4).toString() } })
  t.is(after.seq, 2, 'a partial head does not move the full seq')
  t.is(code(() => checkHead(head(2, { topic: commit(5) }, { partial: true }).bytes, key, 'alice', after)), 'REPLAY')
  // a newer full head clears what the partial one set when it is newer still
  const f4 = head(4, { main: commit(6) })
  t.is(nextState(after, f4.head, f4.cid).newer, undefined)
})

test('checkPushedHead: a full head, from a trusted key, above the published seq', t => {
  const h = head(5, { main: commit(1) })
  t.is(code(() => checkPushedHead(h.bytes, () => true, () => 4)), undefined)
  t.is(code(() => checkPushedHead(h.bytes, () => false, () => undefined)), 'UNTRUSTED_KEY')
  t.is(code(() => checkPushedHead(h.bytes, () => true, () => 5)), 'REPLAY')
  t.is(code(() => checkPushedHead(head(6, { main: commit(1) }, { partial: true }).bytes, () => true, () => 4)), 'BAD_INPUT')
  t.is(code(() => checkPushedHead(head(6, { main: rawCid(new Uint8Array([9])) }).bytes, () => true, () => 4)), 'BAD_OBJECT')
})

test('moveRemoteRefs: a full head makes refs/remotes/NAME exactly its branches; a tag that moves is refused unless forced', t => {
  const repo = Repo.init(tmpdir('acache-refs-'))
  const h1 = head(1, { main: commit(1), old: commit(2), 'tags/v1': commit(3) })
  t.deepEqual(moveRemoteRefs(repo, 'alice', h1.head, undefined, false).map(u => u.ref).sort(), ['refs/remotes/alice/main', 'refs/remotes/alice/old', 'refs/remotes/alice/tags/v1'])
  const h2 = head(2, { main: commit(4), 'tags/v1': commit(5) })
  const moved = moveRemoteRefs(repo, 'alice', h2.head, nextState(undefined, h1.head, h1.cid), false)
  t.deepEqual(moved.find(u => u.ref.endsWith('/old')), { ref: 'refs/remotes/alice/old', old: commit(2).toString() }, 'a branch gone from the head goes')
  t.is(moved.find(u => u.ref.endsWith('tags/v1'))?.rejected, 'would clobber existing tag')
  t.is(repo.refs.read('refs/remotes/alice/tags/v1')?.toString(), commit(3).toString())
  moveRemoteRefs(repo, 'alice', h2.head, undefined, true)
  t.is(repo.refs.read('refs/remotes/alice/tags/v1')?.toString(), commit(5).toString())
  // a partial head moves only what it names
  const p3 = head(3, { topic: commit(6) }, { partial: true })
  moveRemoteRefs(repo, 'alice', p3.head, undefined, false)
  t.is(repo.refs.read('refs/remotes/alice/main')?.toString(), commit(4).toString())
  t.is(repo.refs.read('refs/remotes/alice/topic')?.toString(), commit(6).toString())
})

test('ownersOf: the longest prefix, compared folded (case, normalization, HFS+-ignored code points); .acacheowners to the root signers unless a rule names it', async t => {
  const { ownersOf, parseOwners } = await import('../../src/model/owners.js')
  const a = didFromPublicKey(publicKeyOf(randomSecretKey()))
  const b = didFromPublicKey(publicKeyOf(randomSecretKey()))
  const rules = parseOwners(`/datasets/a/ ${a}\n/datasets/ ${b}\n`)
  t.deepEqual(ownersOf(rules, 'datasets/a/train.csv', [key]), [a])
  t.deepEqual(ownersOf(rules, 'Datasets/A/train.csv', [key]), [a])
  t.deepEqual(ownersOf(rules, 'DATASETS/a\u200c/x', [key]), [a])
  t.deepEqual(ownersOf(rules, 'datasets/b/x', [key]), [b])
  t.deepEqual(ownersOf(rules, 'datasets/a', [key]), [b], 'a file named like the folder is not in it')
  t.deepEqual(ownersOf(rules, 'datasets/a/', [key]), [a], 'the folder itself')
  t.is(ownersOf(rules, 'shared/notes', [key]), undefined)
  t.deepEqual(ownersOf(rules, '.ACACHEOWNERS', [key]), [key])
  t.deepEqual(ownersOf(parseOwners(`/.acacheowners ${b}\n`), '.AcacheOwners', [key]), [b])
})
