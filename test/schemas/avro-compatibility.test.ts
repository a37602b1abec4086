/**
 * Schema evolution guard: every .avsc under schemas/avro must stay BACKWARD compatible with each
 * version committed before it (a newer reader must read what an older writer wrote), because raw
 * topics keep old messages and the registry refuses incompatible versions at start-up anyway —
 * better to fail here, in review, than in a deployment. Versions come from git history plus the
 * working copy; the check itself is the registry's (avro-schema.ts `backwardIncompatibility`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backwardIncompatibility, parseAvroSchema } from '../../infra/schema-registry/avro-schema.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const AVRO_DIR = 'schemas/avro';

interface SchemaVersion {
  readonly label: string;
  readonly text: string;
}

function git(args: readonly string[]): string {
  return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Committed versions of `file`, oldest first, then the working copy when it differs from the newest. */
function versionsOf(file: string): SchemaVersion[] {
  const shas = git(['log', '--format=%H', '--', file]).split('\n').filter((s) => s !== '').reverse();
  const versions: SchemaVersion[] = shas.map((sha) => ({ label: `${file}@${sha.slice(0, 10)}`, text: git(['show', `${sha}:${file}`]) }));
  const working = readFileSync(`${REPO}/${file}`, 'utf8');
  if (versions.at(-1)?.text !== working) versions.push({ label: `${file} (working copy)`, text: working });
  return versions;
}

/** Every consecutive pair whose newer schema cannot read the older one's data, with avsc's reason. */
function incompatibleSteps(versions: readonly SchemaVersion[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < versions.length; i += 1) {
    const older = versions[i - 1]!;
    const newer = versions[i]!;
    const reason = backwardIncompatibility(parseAvroSchema(newer.text), parseAvroSchema(older.text));
    if (reason !== undefined) problems.push(`${newer.label} cannot read data written with ${older.label}: ${reason}`);
  }
  return problems;
}

const files = readdirSync(`${REPO}/${AVRO_DIR}`)
  .filter((f) => f.endsWith('.avsc'))
  .sort()
  .map((f) => `${AVRO_DIR}/${f}`);

describe('Avro schemas stay BACKWARD compatible through git history', () => {
  it('finds the schemas', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('%s: every version reads the data of the one before', (file) => {
    const versions = versionsOf(file);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(() => parseAvroSchema(version.text), version.label).not.toThrow();
    expect(incompatibleSteps(versions)).toEqual([]);
  });
});

describe('the compatibility check catches incompatible changes', () => {
  const v1 = JSON.stringify({
    type: 'record',
    name: 'RawThing',
    namespace: 'forgecast.raw',
    fields: [
      { name: 'sku', type: 'string' },
      { name: 'qty', type: 'string' },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a', 'b'] } },
    ],
  });
  const withFields = (fields: readonly object[]): string => JSON.stringify({ ...(JSON.parse(v1) as object), fields });
  const base = (JSON.parse(v1) as { fields: object[] }).fields;

  it('accepts compatible steps: an optional field with a default, a new enum symbol, a dropped field', () => {
    const steps = [
      withFields([...base, { name: 'site', type: ['null', 'string'], default: null }]),
      withFields([base[0]!, base[1]!, { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a', 'b', 'c'] } }]),
      withFields([base[0]!, base[2]!]),
    ];
    for (const [i, text] of steps.entries()) expect(incompatibleSteps([{ label: 'v1', text: v1 }, { label: `v2.${i}`, text }])).toEqual([]);
  });

  it('rejects a required field without default, a changed type, a removed enum symbol and a rename', () => {
    const breaking = [
      withFields([...base, { name: 'site', type: 'string' }]),
      withFields([base[0]!, { name: 'qty', type: 'int' }, base[2]!]),
      withFields([base[0]!, base[1]!, { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a'] } }]),
      JSON.stringify({ ...(JSON.parse(v1) as object), name: 'RawOther' }),
    ];
    for (const [i, text] of breaking.entries()) {
      const problems = incompatibleSteps([{ label: 'v1', text: v1 }, { label: `v2.${i}`, text }]);
      expect(problems, `case ${i}`).toHaveLength(1);
      expect(problems[0]).toContain(`v2.${i} cannot read data written with v1`);
    }
  });

  it('checks every consecutive pair, not only the last', () => {
    const v2 = withFields([...base, { name: 'site', type: 'string' }]);
    const v3 = withFields([...base, { name: 'site', type: 'string' }, { name: 'line', type: ['null', 'int'], default: null }]);
    expect(incompatibleSteps([{ label: 'v1', text: v1 }, { label: 'v2', text: v2 }, { label: 'v3', text: v3 }])).toEqual([expect.stringContaining('v2 cannot read')]);
  });
});
