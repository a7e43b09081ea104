/**
 * A repository's bytes read by tools acache did not write: ipfs-car (its
 * own CLI) unpacks a bundle's files; blockstore-fs, set to Kubo's flatfs
 * sharding as .acache/blocks/SHARDING names it, with ipfs-unixfs-exporter,
 * reads a repository's files straight from its block directory.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { base32upper } from 'multiformats/bases/base32'
import { exporter } from 'ipfs-unixfs-exporter'
import { User, ROOT, tmpdir } from '../helpers.js'

/** A project; `flatfs`: its store keeps every block in its own file, the layout a Kubo node (or blockstore-fs) reads. */
function project (flatfs = false): { u: User, big: Buffer } {
  const u = new User('alice')
  u.ok(['init', '-q', ...(flatfs ? ['--store-layout', 'flatfs'] : [])])
  u.ok(['id', 'new', '--name', 'alice'])
  const big = crypto.randomBytes(2 * 1024 * 1024 + 3)
  u.write('README.md', '# hello\n')
  u.write('src/main.ts', 'console.log(1)\n')
  u.write('data/big.bin', big)
  u.write('tool.sh', '#!/bin/sh\necho hi\n')
  fs.chmodSync(u.path('tool.sh'), 0o755)
  u.ok(['commit', '-m', 'one'])
  return { u, big }
}

test('ipfs-car unpack extracts a bundle\'s files with --root set to the tree `bundle create` names', t => {
  const { u, big } = project()
  const file = path.join(tmpdir(), 'work.car')
  const made = u.ok(['bundle', 'create', file, '--json']).json
  const tree = made.trees.main
  t.is(tree, u.ok(['show', 'HEAD', '--json']).json.commit.tree)
  const out = path.join(tmpdir(), 'unpacked')
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'ipfs-car'), ['unpack', file, '--root', tree, '--output', out], { encoding: 'utf8' })
  t.is(r.status, 0, r.stderr)
  t.is(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), '# hello\n')
  t.is(fs.readFileSync(path.join(out, 'src', 'main.ts'), 'utf8'), 'console.log(1)\n')
  t.true(fs.readFileSync(path.join(out, 'data', 'big.bin')).equals(big))
  t.is(fs.readFileSync(path.join(out, 'tool.sh'), 'utf8'), '#!/bin/sh\necho hi\n')
})

test('blockstore-fs with Kubo\'s flatfs next-to-last/2 sharding and ipfs-unixfs-exporter read files straight from .acache/blocks (init --store-layout flatfs)', async t => {
  const { u, big } = project(true)
  const blocks = u.path('.acache/blocks')
  t.is(fs.readFileSync(path.join(blocks, 'SHARDING'), 'utf8').trim(), '/repo/flatfs/shard/v1/next-to-last/2')
  // flatfs next-to-last/2, from its definition: the key is the multihash in base32 (upper case, no
  // multibase prefix), the directory the two characters before its last one, the file KEY.data
  const nextToLast2 = {
    extension: '.data',
    encode: (cid: CID) => {
      const key = base32upper.baseEncode(cid.multihash.bytes)
      return { dir: key.slice(-3, -1), file: `${key}.data` }
    },
    decode: (p: string) => CID.createV1(0x55, { bytes: base32upper.baseDecode(path.basename(p, '.data')) } as any)
  }
  const { FsBlockstore } = await import('blockstore-fs')
  const store = new FsBlockstore(blocks, { shardingStrategy: nextToLast2 as any, createIfMissing: false })
  await store.open()
  const tree = u.ok(['show', 'HEAD', '--json']).json.commit.tree
  const read = async (p: string): Promise<Buffer> => {
    const e = await exporter(`${tree}/${p}`, store as any)
    const parts: Uint8Array[] = []
    for await (const c of (e as any).content()) parts.push(c as Uint8Array)
    return Buffer.concat(parts)
  }
  t.is((await read('src/main.ts')).toString(), 'console.log(1)\n')
  t.true((await read('data/big.bin')).equals(big))
  const tool = await exporter(`${tree}/tool.sh`, store as any)
  t.is(tool.type, 'file')
  t.is(tool.type === 'file' ? tool.unixfs.mode : 0, 0o755, 'the exec bit is the file node\'s UnixFS mode')
  await store.close()
})
