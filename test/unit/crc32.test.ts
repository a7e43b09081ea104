import test from 'ava'
import fc from 'fast-check'
import zlib from 'node:zlib'
import { crc32 } from '../../src/util/builtins.js'

// zlib's crc32 is the oracle: the index's checksum must not depend on which of the two summed it.
test('crc32 gives zlib\'s CRC-32 for any bytes, small (summed here) or large (by zlib), and continues a running sum as zlib does', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 0xffffffff }), (a, b, start) => {
    const joined = Buffer.concat([a, b])
    return crc32(joined) === zlib.crc32(joined) &&
      crc32(b, crc32(a)) === zlib.crc32(joined) &&
      crc32(a, start) === zlib.crc32(a, start)
  }), { numRuns: 500 })
  const large = Buffer.alloc(200 * 1024).map((_, i) => (i * 31) % 251)
  t.is(crc32(large), zlib.crc32(large))
  t.is(crc32(large.subarray(70_000), crc32(large.subarray(0, 70_000))), zlib.crc32(large))
  t.is(crc32(large.subarray(1000), crc32(large.subarray(0, 1000))), zlib.crc32(large), 'a small start summed here, the rest by zlib')
  t.is(crc32(new Uint8Array(0)), 0)
})
