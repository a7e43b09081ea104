import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { PackSet } from '../../src/store/pack.js'
import { tmpdir } from '../helpers.js'

const digest = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest()
const packFiles = (dir: string): string[] => fs.readdirSync(dir).filter(n => n.endsWith('.pack')).sort()

/** One command's pack: `n` blocks of `size` bytes, sealed, then settled (merged as settle merges). */
function command (dir: string, tag: string, n: number, size: number): Buffer[] {
  const packs = new PackSet(dir)
  const blocks: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(size, `${tag} ${i} `)
    packs.append(digest(b), b)
    blocks.push(b)
  }
  packs.seal()
  packs.consolidate()
  packs.close()
  return blocks
}

test('small packs are merged geometrically: a long history keeps few packs, a large pack is never copied again, every block reads back', t => {
  const dir = path.join(tmpdir('acache-packs-'), 'packs')
  const all: Buffer[] = command(dir, 'big', 64, 16 * 1024) // 1 MiB: an import
  const big = packFiles(dir)[0]
  let most = 0
  for (let c = 0; c < 200; c++) {
    all.push(...command(dir, `commit ${c}`, 4, 300))
    most = Math.max(most, packFiles(dir).length)
  }
  t.true(most <= 9, `at most 9 packs at any time (${most})`)
  t.true(packFiles(dir).includes(big), 'the large pack was never merged: the small ones never added up to half of it')
  const packs = new PackSet(dir)
  for (const b of all) {
    const at = packs.locate(digest(b))
    t.truthy(at)
    t.true(Buffer.from(packs.read(at!)!).equals(b))
  }
  packs.close()
})

test('packs of the same size are merged together once there are more than eight', t => {
  const dir = path.join(tmpdir('acache-packs-'), 'packs')
  for (let c = 0; c < 8; c++) command(dir, `c${c}`, 3, 100)
  t.is(packFiles(dir).length, 8, 'eight packs: left as they are')
  command(dir, 'c8', 3, 100)
  t.is(packFiles(dir).length, 1, 'the ninth: all merged into one')
})
