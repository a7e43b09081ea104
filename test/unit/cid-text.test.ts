import test from 'ava'

test('cidText is what cid.toString() gives, for generated CIDs of every codec and hash length', async t => {
  const fc = (await import('fast-check')).default
  const { CID } = await import('multiformats/cid')
  const Digest = await import('multiformats/hashes/digest')
  const { cidText } = await import('../../src/util/cid-text.js')
  const { assertProperty } = await import('../git.js')
  assertProperty(t, fc.property(fc.constantFrom(0x55, 0x70, 0x0129, 0x71), fc.constantFrom(0x12, 0x00, 0x1e), fc.uint8Array({ minLength: 0, maxLength: 64 }), (codec, hash, digest) => {
    const cid = CID.createV1(codec, Digest.create(hash, digest))
    return cidText(cid) === cid.toString()
  }), 500)
  // a CIDv0 is multiformats' own base58btc
  const v0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
  t.is(cidText(v0), v0.toString())
})
