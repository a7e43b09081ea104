import { Transport } from './transport.js'
import { DirectoryTransport } from './directory.js'
import { fail } from '../errors.js'

/** The transport for a remote URL: http(s):// (a serve or a trustless gateway), kubo://HOST:PORT/ipns/NAME, or a directory (a path or file://). */
export async function openTransport (url: string): Promise<Transport> {
  if (/^https?:\/\//.test(url)) {
    const { HttpTransport } = await import('./http.js')
    return new HttpTransport(url)
  }
  if (url.startsWith('kubo://')) {
    const { KuboTransport } = await import('./kubo.js')
    return new KuboTransport(url)
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(url) && !url.startsWith('file://')) fail('BAD_INPUT', `unsupported remote URL ${url}`, { hint: 'use a directory path, file://PATH, http://HOST:PORT or kubo://HOST:PORT/ipns/NAME' })
  return new DirectoryTransport(url)
}
