import { define } from '../command.js'

export default define({
  command: 'serve',
  describe: 'Serve this repository over HTTP: trustless-gateway reads, signed pushes from trusted keys',
  builder: (y) => y
    .option('port', { alias: 'p', type: 'number', default: 8080, describe: 'port (0: any free one)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('trust', { type: 'array', string: true, describe: 'a did:key allowed to push, besides your remotes and config trusted list; repeatable' })
    .option('max-upload', { type: 'number', describe: 'largest push accepted, in bytes (default 16 GiB)' }),
  run: async (args, { ctx, out, repo }) => {
    const { serve } = await import('../../core/serve.js')
    const { loadIdentity } = await import('../../identity/identity.js')
    // the owner of the repository may always publish to it
    const own = loadIdentity(ctx.home)?.key
    const trusted = [...(args.trust ?? []), ...(own !== undefined ? [own] : [])]
    const s = await serve(await repo(), { port: args.port, host: args.host, trusted, maxUpload: args.maxUpload, log: (l) => out.info(l) })
    out.result({ url: s.url })
    out.info(`Serving on ${s.url} (GET /ipfs/{cid}?format=raw|car, GET /acache/v1/head/{did}, POST /acache/v1/push); Ctrl-C stops`)
    // friends see what is published, not your branches: say so when they differ
    if (own !== undefined) {
      const { publishedState } = await import('../../core/push.js')
      const p = publishedState(await repo(), own)
      if (p.seq === undefined) out.warn('nothing of yours is published here yet: friends see your branches only after `acache push`')
      else if (p.behind.length > 0) out.warn(`your published head (seq ${p.seq}) is behind your branches (${p.behind.join(', ')}): \`acache push\` publishes them`)
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => { void s.close().then(resolve) }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  }
})
