import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync, ChildProcess } from 'node:child_process'
import { ROOT, tmpdir } from './helpers.js'

// An IPFS node with Kubo's RPC API for the tests: a real `ipfs` binary when
// one is on PATH, else the js-ipfs daemon that serves the same API
// (installed in tools/kubo-standin by npm test's set-up), on loopback.

const KUBO_DIR = path.join(ROOT, 'tools', 'kubo-standin')
const hasIpfs = spawnSync('sh', ['-c', 'command -v ipfs']).status === 0

export interface Node { api: string, swarm: string, proc: ChildProcess, dir: string, stop: () => Promise<void>, log: () => string }

export async function startNode (): Promise<Node> {
  const dir = tmpdir('acache-ipfs-')
  const bin = hasIpfs ? 'ipfs' : path.join(KUBO_DIR, 'node_modules', '.bin', 'jsipfs')
  if (!hasIpfs && !fs.existsSync(bin)) throw new Error('the js-ipfs stand-in is not installed: npm install --prefix tools/kubo-standin (.ci/run does it)')
  const env = { ...process.env, IPFS_PATH: dir, NODE_OPTIONS: `--import ${path.join(KUBO_DIR, 'polyfill.mjs')}` }
  const run = (args: string[]): void => {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 120_000 })
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr}`)
  }
  run(['init', '--profile', 'test'])
  run(['config', 'Addresses.API', '/ip4/127.0.0.1/tcp/0'])
  run(['config', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/0'])
  if (!hasIpfs) run(['config', 'Addresses.RPC', '/ip4/127.0.0.1/tcp/0'])
  run(['config', '--json', 'Bootstrap', '[]'])
  const proc = spawn(bin, ['daemon'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  proc.stdout!.on('data', (c: Buffer) => { log += c.toString() })
  proc.stderr!.on('data', (c: Buffer) => { log += c.toString() })
  for (let i = 0; i < 600; i++) {
    if (/Daemon is ready/.test(log) && fs.existsSync(path.join(dir, 'api'))) break
    if (proc.exitCode !== null) throw new Error(`daemon exited: ${log}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const ma = fs.readFileSync(path.join(dir, 'api'), 'utf8').trim() // /ip4/127.0.0.1/tcp/PORT[/http]
  const m = /\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(ma)
  if (m === null) throw new Error(`no API address: ${ma}`)
  const swarm = /Swarm listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+\S*)/.exec(log)?.[1]
  if (swarm === undefined) throw new Error(`the daemon says no loopback swarm address: ${log}`)
  return {
    api: `${m[1]}:${m[2]}`,
    swarm,
    proc,
    dir,
    log: () => log,
    stop: async () => { if (proc.exitCode === null) { proc.kill('SIGTERM'); await new Promise(resolve => proc.once('exit', resolve)) } }
  }
}

