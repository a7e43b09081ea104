/** Binary, as git decides it: a NUL byte in the first 8000 bytes. */
export function isBinary (bytes: Uint8Array): boolean {
  const n = Math.min(bytes.byteLength, 8000)
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true
  return false
}
