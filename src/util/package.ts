import fs from 'node:fs'
import path from 'node:path'

/** Where acache is installed: the directory above bin/acache.js (a checkout or the npm package alike). */
export function packageDir (): string {
  let bin = process.argv[1] ?? ''
  try { bin = fs.realpathSync(bin) } catch {}
  return path.join(path.dirname(bin), '..')
}

/** The version in acache's package.json. */
export function packageVersion (): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir(), 'package.json'), 'utf8'))
    if (pkg.name === 'acache' && typeof pkg.version === 'string') return pkg.version
  } catch {}
  return 'unknown (no package.json beside bin/)'
}
