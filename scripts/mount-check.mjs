// Whether `acache mount` can work here: fuse-native (an optional
// dependency, which npm drops without a word when it cannot be built)
// loads, and so libfuse.so.2 with it. Prints one line saying why not, with
// what to do; exits 0 either way (mount is optional). Run by `npm install`
// (scripts/build-native.mjs) and by `npm test`'s set-up.
import { createRequire } from 'node:module'

export function mountProblem () {
  const require = createRequire(import.meta.url)
  try {
    require('fuse-native')
    return undefined
  } catch (err) {
    const m = String(err?.message ?? err).split('\n')[0]
    if (/Cannot find module 'fuse-native'/.test(m)) return 'the optional fuse-native package is not installed (npm drops it where it cannot be built)'
    if (/libfuse\.so\.2/.test(m)) return 'libfuse.so.2 is missing'
    return m
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const p = mountProblem()
  if (p !== undefined) console.error(`acache: mount is unavailable: ${p}; everything else works. To use it: sudo apt-get install fuse libfuse2, then npm install fuse-native`)
}
