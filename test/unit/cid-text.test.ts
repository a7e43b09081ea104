import test from 'ava'

test('cidText is what cid.toString() gives, for generated CIDs of every codec and hash length', async t => {
  const fc = (await import('fast-check')).default
  const { CID } = await import('multiformats/cid')
  const Digest = await import('multiformats/hashes/digest')
  const { cidText, cidFromText } = await import('../../src/util/cid-text.js')
  const { assertProperty } = await import('../git.js')
  assertProperty(t, fc.property(fc.constantFrom(0x55, 0x70, 0x0129, 0x71), fc.constantFrom(0x12, 0x00, 0x1e), fc.uint8Array({ minLength: 0, maxLength: 64 }), (codec, hash, digest) => {
    const cid = CID.createV1(codec, Digest.create(hash, digest))
    return cidText(cid) === cid.toString() && cidFromText(cid.toString()).equals(cid)
  }), 500)
  // any other text is read as CID.parse reads it: the same CID, or the same refusal
  const same = (text: string): boolean => {
    let ours: string
    let theirs: string
    try { ours = cidFromText(text).toString() } catch (e) { ours = `error ${(e as Error).name}` }
    try { theirs = CID.parse(text).toString() } catch (e) { theirs = `error ${(e as Error).name}` }
    return ours === theirs
  }
  const real = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(7))).toString()
  assertProperty(t, fc.property(fc.nat(real.length - 1), fc.constantFrom('a', 'z', '2', '7', '8', 'A', '=', 'é', ''), (at, c) => same(real.slice(0, at) + c + real.slice(at + 1))), 300)
  // a CIDv0 is multiformats' own base58btc
  const v0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
  t.is(cidText(v0), v0.toString())
})

test('flattenCidText: cid.toString() gives what it gave before, for v1 and v0, with and without a base', async t => {
  const { CID } = await import('multiformats/cid')
  const Digest = await import('multiformats/hashes/digest')
  const { base58btc } = await import('multiformats/bases/base58')
  const { flattenCidText } = await import('../../src/util/cid-text.js')
  const cids = [CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(9))), CID.createV1(0x70, Digest.create(0x12, new Uint8Array(32).fill(3)))]
  const v0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
  const before = [...cids.map(c => [c.toString(), c.toString(base58btc), `${c}`]), [v0.toString()]]
  flattenCidText()
  flattenCidText() // twice is once
  const after = [...cids.map(c => [c.toString(), c.toString(base58btc), `${c}`]), [v0.toString()]]
  t.deepEqual(after, before)
  t.true(cids[0].toString().startsWith('bafkrei'))
})

test('CidList gives back every CID pushed, in order, whatever their lengths and however many (its buffers grow); an iteration sees the list as it was when it began', async t => {
  const fc = (await import('fast-check')).default
  const { CID } = await import('multiformats/cid')
  const Digest = await import('multiformats/hashes/digest')
  const { CidList } = await import('../../src/util/cid-list.js')
  const { assertProperty } = await import('../git.js')
  const cidArb = fc.oneof(
    fc.tuple(fc.constantFrom(0x55, 0x70, 0x0129), fc.uint8Array({ minLength: 0, maxLength: 64 })).map(([codec, d]) => CID.createV1(codec, Digest.create(0x12, d))),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map(d => CID.createV0(Digest.create(0x12, d)))
  )
  assertProperty(t, fc.property(fc.array(cidArb, { maxLength: 50 }), fc.nat(3000), (cids, more) => {
    const list = new CidList()
    // thousands more than the buffers start with: they grow while earlier CIDs are kept
    const all = [...cids, ...Array.from({ length: more }, (_, i) => CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(i % 256).map((b, j) => j === 0 ? i >> 8 : b))))]
    for (const c of all) list.push(c)
    const back = [...list]
    return list.length === all.length && back.length === all.length && back.every((c, i) => c.equals(all[i]))
  }), 60)
  const list = new CidList()
  const first = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32)))
  list.push(first)
  const seen: string[] = []
  for (const c of list) { seen.push(c.toString()); list.push(c) }
  t.deepEqual(seen, [first.toString()])
  t.is(list.length, 2)
})

test('compactCid gives the same CID (bytes, codec, multihash, text, equality), a view of a shared buffer, for generated CIDs; a CIDv0 as it is', async t => {
  const fc = (await import('fast-check')).default
  const { CID } = await import('multiformats/cid')
  const Digest = await import('multiformats/hashes/digest')
  const { compactCid } = await import('../../src/util/cid-list.js')
  const { assertProperty } = await import('../git.js')
  const buffers = new Set<ArrayBufferLike>()
  assertProperty(t, fc.property(fc.constantFrom(0x55, 0x70, 0x0129, 0x71), fc.constantFrom(0x12, 0x00, 0x1e), fc.uint8Array({ minLength: 0, maxLength: 64 }), (codec, hash, digest) => {
    const cid = CID.createV1(codec, Digest.create(hash, digest))
    const c = compactCid(cid)
    buffers.add(c.bytes.buffer)
    const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))
    return c.equals(cid) && cid.equals(c) && c.toString() === cid.toString() && c.code === cid.code && c.version === 1 &&
      c.multihash.code === cid.multihash.code && c.multihash.size === cid.multihash.size &&
      eq(c.multihash.digest, cid.multihash.digest) && eq(c.multihash.bytes, cid.multihash.bytes) && eq(c.bytes, cid.bytes) &&
      CID.asCID(c) === c && CID.decode(c.bytes).equals(cid)
  }), 500)
  t.true(buffers.size < 50, `500 CIDs in ${buffers.size} buffers`)
  const v0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
  t.is(compactCid(v0), v0)
})
