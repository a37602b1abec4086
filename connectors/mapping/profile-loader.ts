/**
 * Loads the mapping profiles once, at start-up: every `*.json` in the profiles directory is
 * parsed and checked (mapping-profile.ts), so a broken profile stops the platform with a message
 * naming the file and each problem instead of failing batches later. At request time a profile is
 * a map lookup; an unknown name is an envelope error (400) listing the known ones.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FgcError } from '../../infra/errors.js';
import { compileProfile, type MappingProfile } from './mapping-profile.js';

/** The profiles shipped with Forgecast. */
export const PROFILES_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

/** The profile a batch without `mapping` uses. */
export const DEFAULT_PROFILE = 'canonical';

export class MappingProfiles {
  readonly #byName: ReadonlyMap<string, MappingProfile>;

  constructor(profiles: readonly MappingProfile[]) {
    const byName = new Map<string, MappingProfile>();
    for (const profile of profiles) {
      if (byName.has(profile.name)) throw new FgcError('FGC_INGEST_PROFILE_INVALID', `two mapping profiles are named "${profile.name}"`);
      byName.set(profile.name, profile);
    }
    if (!byName.has(DEFAULT_PROFILE)) throw new FgcError('FGC_INGEST_PROFILE_INVALID', `the "${DEFAULT_PROFILE}" mapping profile is missing`);
    this.#byName = byName;
  }

  /** The profile of that name, or undefined. */
  get(name: string): MappingProfile | undefined {
    return this.#byName.get(name);
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
}

/** Reads and checks every profile in `dir`; FGC_INGEST_PROFILE_INVALID naming the file on any problem. */
export async function loadMappingProfiles(dir: string = PROFILES_DIR): Promise<MappingProfiles> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const profiles: MappingProfile[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new FgcError('FGC_INGEST_PROFILE_INVALID', `mapping profile ${file} is not JSON: ${(cause as Error).message}`, { cause });
    }
    profiles.push(compileProfile(json, path.basename(file, '.json')));
  }
  return new MappingProfiles(profiles);
}
