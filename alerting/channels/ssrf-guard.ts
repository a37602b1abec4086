/**
 * The SSRF guard of outgoing webhooks: a user-supplied URL must not make the platform call its own
 * loopback services, the private network it runs in, or a cloud metadata endpoint.
 *
 * `checkWebhookTarget` accepts only http(s) URLs, resolves the host once (every A/AAAA record),
 * and refuses unless every address is public. The channel then connects to the address checked
 * here (a pinned `lookup`), so a DNS answer that changes between check and connect (rebinding)
 * cannot move the request elsewhere (when a name has several addresses, all checked, the connection
 * may use any of them: Node tries them in turn, IPv6 and IPv4 alike).
 *
 * | class          | ranges                                                         | allowPrivateNetworks |
 * | -------------- | -------------------------------------------------------------- | -------------------- |
 * | public         | everything else in 0/0 and 2000::/3                            | allowed anyway       |
 * | loopback       | 127/8, ::1                                                     | allowed              |
 * | private        | 10/8, 172.16/12, 192.168/16, fec0::/10, 64:ff9b:1::/48         | allowed              |
 * | unique_local   | fc00::/7                                                       | allowed              |
 * | cgnat          | 100.64/10                                                      | allowed              |
 * | link_local     | 169.254/16 (cloud metadata), fe80::/10                         | refused              |
 * | unspecified    | 0/8, ::                                                        | refused              |
 * | multicast      | 224/4, ff00::/8                                                | refused              |
 * | broadcast      | 255.255.255.255                                                | refused              |
 * | reserved       | 240/4, 192.0.0/24, docs & benchmark nets, ::/96, 100::/64,     | refused              |
 * |                | 2001::/32 (Teredo), 2001:db8::/32, anything outside 2000::/3   |                      |
 *
 * Addresses that embed an IPv4 address take its class: IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d`, 6to4 `2002:AABB:CCDD::`. Link-local stays refused even with
 * `allowPrivateNetworks` (WEBHOOK_ALLOW_PRIVATE_NETWORKS): it is where metadata services live,
 * and no webhook receiver is reached by a link-local address.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { FgcError } from '../../infra/errors.js';

export const ADDRESS_CLASSES = ['public', 'loopback', 'private', 'unique_local', 'cgnat', 'link_local', 'unspecified', 'multicast', 'broadcast', 'reserved'] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

/** The classes `allowPrivateNetworks` lets through (see the table). */
const PRIVATE_NETWORK_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'unique_local', 'cgnat']);

/** [first octets as a 32-bit number, prefix length, class]; the first match wins, so more specific ranges come first. */
const IPV4_RANGES: readonly (readonly [string, number, AddressClass])[] = [
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

const IPV4_TABLE = IPV4_RANGES.map(([net, prefix, cls]) => {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { net: ipv4ToNumber(net) & mask, mask, cls };
});

function classifyIpv4Number(value: number): AddressClass {
  for (const range of IPV4_TABLE) if (((value & range.mask) >>> 0) === range.net >>> 0) return range.cls;
  return 'public';
}

/** The 16 bytes of an IPv6 address (zone id ignored); undefined when it is not one. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(address)) return undefined;
  let head = address;
  const bytes = new Uint8Array(16);
  // A trailing dotted quad fills the last four bytes.
  let tailV4: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (dotted?.[1] !== undefined) {
    tailV4 = dotted[1].split('.').map(Number);
    head = `${head.slice(0, dotted.index)}:${'0:0'}`;
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const leftGroups = groups(left);
  const rightGroups = right === undefined ? [] : groups(right);
  const all = right === undefined ? leftGroups : [...leftGroups, ...new Array<number>(8 - leftGroups.length - rightGroups.length).fill(0), ...rightGroups];
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  if (tailV4.length === 4) bytes.set(tailV4, 12);
  return bytes;
}

function bytesToV4(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) * 2 ** 24) + ((bytes[offset + 1] ?? 0) << 16) + ((bytes[offset + 2] ?? 0) << 8) + (bytes[offset + 3] ?? 0);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function classifyIpv6(bytes: Uint8Array): AddressClass {
  const zeroUpTo = (n: number): boolean => bytes.subarray(0, n).every((b) => b === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyIpv4Number(bytesToV4(bytes, 12)); // ::ffff:a.b.c.d
  if (zeroUpTo(12)) return 'reserved'; // ::a.b.c.d, IPv4-compatible (deprecated)
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b]) && bytes.subarray(4, 12).every((b) => b === 0)) return classifyIpv4Number(bytesToV4(bytes, 12)); // NAT64
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'private'; // local-use NAT64
  if (startsWith(bytes, [0x01, 0x00, 0, 0, 0, 0, 0, 0])) return 'reserved'; // discard-only
  const first = bytes[0] ?? 0;
  const second = bytes[1] ?? 0;
  if (first === 0xff) return 'multicast';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link_local';
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'private'; // site-local (deprecated)
  if ((first & 0xfe) === 0xfc) return 'unique_local';
  if (startsWith(bytes, [0x20, 0x02])) return classifyIpv4Number(bytesToV4(bytes, 2)); // 6to4
  if (startsWith(bytes, [0x20, 0x01, 0x0d, 0xb8])) return 'reserved'; // documentation
  if (startsWith(bytes, [0x20, 0x01, 0x00, 0x00])) return 'reserved'; // Teredo
  if ((first & 0xe0) !== 0x20) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
}

/** The class of an IP address literal (IPv4 dotted quad, or IPv6 with or without brackets); undefined when it is not one. */
export function classifyAddress(address: string): AddressClass | undefined {
  if (isIPv4(address)) return classifyIpv4Number(ipv4ToNumber(address));
  const v6 = parseIpv6(address);
  return v6 === undefined ? undefined : classifyIpv6(v6);
}

/** Whether a webhook may go to an address of this class. */
export function isAddressAllowed(cls: AddressClass, allowPrivateNetworks: boolean): boolean {
  return cls === 'public' || (allowPrivateNetworks && PRIVATE_NETWORK_CLASSES.has(cls));
}

/** Resolves a host name to every address (injected in tests). */
export type HostLookup = (hostname: string) => Promise<readonly { readonly address: string; readonly family: number }[]>;

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A target that passed the guard: connect to one of `addresses` (every one checked), speak to `hostname`. */
export interface CheckedTarget {
  readonly url: URL;
  /** The host name as in the URL (brackets removed): Host header and TLS SNI. */
  readonly hostname: string;
  /** Resolver order; never empty. */
  readonly addresses: readonly { readonly address: string; readonly family: 4 | 6 }[];
}

/** The URL as it may appear in logs and errors: no user info. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function refused(message: string, details: Record<string, unknown>): FgcError {
  return new FgcError('FGC_WEBHOOK_TARGET_REFUSED', message, { details: [details] });
}

/**
 * Checks `rawUrl` (see the module comment). Throws FgcError `FGC_WEBHOOK_TARGET_REFUSED` when the
 * target is not allowed; lets a lookup failure (ENOTFOUND, EAI_AGAIN…) through unchanged.
 */
export async function checkWebhookTarget(rawUrl: string, options: { readonly allowPrivateNetworks: boolean; readonly lookup?: HostLookup }): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw refused('The webhook URL is not a valid URL', { url: rawUrl.slice(0, 200) });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(`Webhook URLs must be http or https, not ${url.protocol}`, { url: displayUrl(url) });
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (hostname === '') throw refused('The webhook URL has no host', { url: displayUrl(url) });
  const literal = classifyAddress(hostname);
  const addresses = literal !== undefined ? [{ address: hostname, family: isIPv4(hostname) ? 4 : 6 }] : await (options.lookup ?? systemLookup)(hostname);
  if (addresses.length === 0) throw refused(`${hostname} resolves to no address`, { url: displayUrl(url) });
  for (const { address } of addresses) {
    const cls = classifyAddress(address) ?? 'reserved';
    if (!isAddressAllowed(cls, options.allowPrivateNetworks)) {
      const hint = PRIVATE_NETWORK_CLASSES.has(cls) ? ' (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow private and loopback targets)' : '';
      throw refused(`Webhook target ${displayUrl(url)} resolves to ${address}, a ${cls.replace('_', '-')} address${hint}`, { url: displayUrl(url), address, class: cls });
    }
  }
  return { url, hostname, addresses: addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 })) };
}
