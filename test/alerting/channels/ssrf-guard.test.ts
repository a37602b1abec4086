import { describe, expect, it } from 'vitest';
import { checkWebhookTarget, classifyAddress, isAddressAllowed, parseIpv6, type HostLookup } from '../../../alerting/channels/ssrf-guard.js';
import type { FgcError } from '../../../infra/errors.js';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['ff02::1', 'multicast'],
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:192.168.0.1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:7f00:0001::1', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['3fff::1', 'public'],
    ['4000::1', 'reserved'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('returns undefined for what is not an IP address', () => {
    for (const text of ['localhost', '', '1.2.3', '256.1.1.1', '::g', 'example.com', '1.2.3.4.5']) expect(classifyAddress(text)).toBeUndefined();
  });

  it('parses compressed, full and dotted IPv6 forms to the same bytes', () => {
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual(parseIpv6('0:0:0:0:0:ffff:0102:0304'));
    expect(Array.from(parseIpv6('1::2')!)).toEqual([0, 1, ...new Array<number>(12).fill(0), 0, 2]);
  });

  it('allowPrivateNetworks lets private and loopback through, never link-local, multicast or unspecified', () => {
    for (const cls of ['loopback', 'private', 'unique_local', 'cgnat'] as const) {
      expect(isAddressAllowed(cls, false)).toBe(false);
      expect(isAddressAllowed(cls, true)).toBe(true);
    }
    for (const cls of ['link_local', 'unspecified', 'multicast', 'broadcast', 'reserved'] as const) expect(isAddressAllowed(cls, true)).toBe(false);
    expect(isAddressAllowed('public', false)).toBe(true);
  });
});

describe('checkWebhookTarget', () => {
  const dns = (answers: Record<string, string[]>): HostLookup => async (host) => (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as FgcError);

  it('accepts a public name and returns the checked address', async () => {
    const target = await checkWebhookTarget('https://hooks.example.com:8443/x?y=1', { allowPrivateNetworks: false, lookup: dns({ 'hooks.example.com': ['93.184.216.34'] }) });
    expect(target).toMatchObject({ hostname: 'hooks.example.com', addresses: [{ address: '93.184.216.34', family: 4 }] });
  });

  it('refuses when any resolved address is private (mixed answers)', async () => {
    const error = await refusal(checkWebhookTarget('https://mixed.example.com/', { allowPrivateNetworks: false, lookup: dns({ 'mixed.example.com': ['93.184.216.34', '10.0.0.5'] }) }));
    expect(error?.code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
    expect(error?.message).toContain('10.0.0.5');
    expect(error?.message).toContain('WEBHOOK_ALLOW_PRIVATE_NETWORKS');
  });

  it.each(['http://127.0.0.1/', 'http://[::1]:9000/', 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/'])('refuses %s by default', async (url) => {
    const error = await refusal(checkWebhookTarget(url, { allowPrivateNetworks: false, lookup: dns({}) }));
    expect(error?.code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
  });

  it('resolves localhost through the system resolver and refuses it', async () => {
    const error = await refusal(checkWebhookTarget('http://localhost:1234/', { allowPrivateNetworks: false }));
    expect(error?.code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'gopher://x/', 'javascript:alert(1)', 'not a url', ''])('refuses %j (not http/https)', async (url) => {
    const error = await refusal(checkWebhookTarget(url, { allowPrivateNetworks: true, lookup: dns({}) }));
    expect(error?.code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
  });

  it('with allowPrivateNetworks accepts loopback but still refuses cloud metadata', async () => {
    await expect(checkWebhookTarget('http://127.0.0.1:8080/', { allowPrivateNetworks: true })).resolves.toMatchObject({ addresses: [{ address: '127.0.0.1', family: 4 }] });
    const error = await refusal(checkWebhookTarget('http://169.254.169.254/', { allowPrivateNetworks: true }));
    expect(error?.code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
  });

  it('refuses a name with no address and lets lookup failures through', async () => {
    expect((await refusal(checkWebhookTarget('http://empty.example/', { allowPrivateNetworks: false, lookup: dns({}) })))?.code).toBe('FGC_WEBHOOK_TARGET_REFUSED');
    const failing: HostLookup = () => Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    await expect(checkWebhookTarget('http://down.example/', { allowPrivateNetworks: false, lookup: failing })).rejects.toMatchObject({ code: 'EAI_AGAIN' });
  });
});
