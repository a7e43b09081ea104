/**
 * Text from others (author names, messages, file names) made safe to print
 * on a terminal: control characters (escape sequences that move the cursor,
 * erase a line or recolour it, so a name could hide the real signer's key)
 * and bidirectional overrides are shown as \xNN / \uNNNN instead.
 */
export function safe (text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0)
    return n <= 0xff ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16).padStart(4, '0')
  })
}
