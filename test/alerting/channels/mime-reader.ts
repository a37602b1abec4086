/**
 * Just enough MIME reading for the email tests (no mail parser is installed): headers with
 * unfolding and RFC 2047 encoded words, multipart bodies, quoted-printable and base64 parts.
 */

export interface MimePart {
  readonly headers: Map<string, string>;
  readonly body: string;
}

function decodeQp(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** `=?UTF-8?Q?…?=` and `=?UTF-8?B?…?=` words decoded; whitespace between adjacent words dropped. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      (enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQp(text.replace(/_/g, ' '))).toString('utf8'),
    );
}

function split(raw: string): MimePart {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(part: MimePart): string {
  const encoding = part.headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQp(part.body).toString('utf8');
  return part.body;
}

/** The message's headers and its decoded text/plain and text/html bodies. */
export function readMessage(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const message = split(raw);
  const type = message.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  const parts = boundary === undefined ? [message] : message.body.split(`--${boundary}`).slice(1, -1).map((p) => split(p.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
  const find = (mime: string): string => {
    const part = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').startsWith(mime));
    return part === undefined ? '' : decodeBody(part);
  };
  return { headers: message.headers, text: find('text/plain'), html: find('text/html') };
}
