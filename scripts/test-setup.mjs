// Run by `npm test` before the tests (npm's pretest): installs what the
// tests need and the project's own files can install, so the README's two
// commands (npm install, npm test) are the whole set-up on a fresh machine.
//  - the js-ipfs daemon that stands in for Kubo's RPC API (test-only, in
//    tools/kubo-standin, never a dependency of acache), when no `ipfs` binary is on PATH;
//  - @helia/verified-fetch and the Node 22 it needs (test-only, in
//    tools/verified-fetch): an IPFS client acache did not write, for the gateway tests;
//  - acache's native lstat helper, when `npm install --ignore-scripts` left it unbuilt;
//  - FUSE (fusermount and libfuse.so.2) for the mount tests, from Debian's
//    packages, when running as root where apt-get exists; then fuse-native
//    again if npm dropped it (it does when FUSE was missing at install time),
//    checked to load.
//  - git-lfs and gpg for the git bridge tests (git-lfs pointers, GPG-signed
//    commits), from Debian's packages, the same way.
//  - xfsprogs for the reflink tests (an XFS with reflink on a loop device,
//    as root), from Debian's packages, the same way; without it (or root)
//    those tests are reported as skipped.
//  - Chromium for the web view's browser tests (driven by playwright-core),
//    from Debian's packages, the same way; without it those tests are
//    reported as skipped (not run), never as passed.
// Anything it cannot install it says plainly; the tests that need it then fail with that reason.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const has = (cmd) => spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status === 0

const helper = path.join(root, 'build', 'Release', 'acache_native.node')
// missing, or built from an older source (no cloneRange: the reflink tests would find it lacking)
if (!fs.existsSync(helper) || !has(`"${process.execPath}" -e "process.exit(typeof require(${JSON.stringify(JSON.stringify(helper)).slice(1, -1)}).dedupeRange === 'function' ? 0 : 1)"`)) {
  console.error('test set-up: building the native helper (scripts/build-native.mjs)')
  run(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')])
}

const standin = path.join(root, 'tools', 'kubo-standin')
if (!has('command -v ipfs') && !fs.existsSync(path.join(standin, 'node_modules', '.bin', 'jsipfs'))) {
  console.error('test set-up: installing the js-ipfs stand-in for the Kubo tests (tools/kubo-standin, about 3 minutes, once)')
  // npm install, not npm ci: an optional dependency deep in js-ipfs points at a git tarball, which npm ci insists on
  if (!run('npm', ['install', '--prefix', standin, '--no-audit', '--no-fund', '--loglevel=error'])) {
    console.error('test set-up: could not install tools/kubo-standin; the Kubo tests will fail saying so')
  }
}

const verifiedFetch = path.join(root, 'tools', 'verified-fetch')
if (!fs.existsSync(path.join(verifiedFetch, 'node_modules', '.bin', 'node')) || !fs.existsSync(path.join(verifiedFetch, 'node_modules', '@helia', 'verified-fetch'))) {
  console.error('test set-up: installing @helia/verified-fetch and Node 22 for the gateway tests (tools/verified-fetch, about a minute, once)')
  if (!run('npm', ['install', '--prefix', verifiedFetch, '--no-audit', '--no-fund', '--loglevel=error'])) {
    console.error('test set-up: could not install tools/verified-fetch; the verified-fetch test will fail saying so')
  }
}

if (!(has('command -v fusermount') && has("ldconfig -p | grep -q 'libfuse.so.2'"))) {
  if (process.getuid?.() === 0 && has('command -v apt-get')) {
    console.error('test set-up: installing FUSE for the mount tests (apt-get install fuse libfuse2)')
    if (!(run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', 'fuse', 'libfuse2'], { DEBIAN_FRONTEND: 'noninteractive' }))) {
      console.error('test set-up: could not install FUSE; the mount tests will fail saying what is missing')
    }
  } else {
    console.error('test set-up: FUSE is missing (fusermount, libfuse.so.2): install it with `sudo apt-get install fuse libfuse2`, or the mount tests will fail saying so')
  }
}

/**
 * Installs Debian packages some tests need, as root where apt-get exists;
 * elsewhere (or when it fails) says what those tests will do without them.
 */
function fromDebian (pkgs, forWhat, without) {
  if (pkgs.length === 0) return
  const names = pkgs.join(' and ')
  if (process.getuid?.() === 0 && has('command -v apt-get')) {
    console.error(`test set-up: installing ${names} for ${forWhat} (apt-get install ${pkgs.join(' ')})`)
    if (!(run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', ...pkgs], { DEBIAN_FRONTEND: 'noninteractive' }))) {
      console.error(`test set-up: could not install ${names}; ${without}`)
    }
  } else {
    console.error(`test set-up: ${names} missing (install with \`sudo apt-get install ${pkgs.join(' ')}\`, as root); ${without}`)
  }
}

// the git bridge tests: histories with git-lfs pointers and GPG-signed commits, made by the real tools
fromDebian([['git-lfs', 'git lfs version'], ['gnupg', 'command -v gpg']].filter(([, check]) => !has(check)).map(([pkg]) => pkg),
  'the git bridge tests', 'the git bridge tests that need them will fail saying so')
// the reflink tests: an XFS made with reflink=1 on a loop device (mkfs.xfs; filefrag is e2fsprogs', always there; the mount needs root)
fromDebian(has('command -v mkfs.xfs') ? [] : ['xfsprogs'], 'the reflink tests', 'the reflink tests will be reported as skipped (not run)')
// the web view's browser tests: headless Chromium, Debian's package (Playwright's own download is not from a registry)
fromDebian(has('command -v chromium') ? [] : ['chromium'], 'the web view\'s browser tests (about 30 s, once)', 'the browser tests will be reported as skipped (not run)')

// npm drops the optional fuse-native where FUSE was missing at install time, and does not bring it back
// when FUSE arrives: install it again, and check that it loads
const { mountProblem } = await import('./mount-check.mjs')
if (mountProblem() !== undefined && has('command -v fusermount')) {
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).optionalDependencies['fuse-native']
  console.error(`test set-up: installing fuse-native again now that FUSE is here (${mountProblem()})`)
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `fuse-native@${version}`])
}
const problem = mountProblem()
if (problem !== undefined) console.error(`test set-up: mount is unavailable (${problem}); the mount tests will fail saying so`)
