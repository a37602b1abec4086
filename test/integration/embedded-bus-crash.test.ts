/**
 * Crash safety of the embedded bus with a real `kill -9`: a child process publishes and consumes
 * 10,000 sequenced messages (see fixtures/bus-crash-child.ts), is SIGKILLed part-way, garbage is
 * appended to every partition's segment (a torn tail), and a second child publishes whatever was
 * not acknowledged and consumes to the end. Every acknowledged message must have been consumed at
 * least once, and per key the first deliveries must follow the publish order.
 */
import { spawn } from 'node:child_process';
import { appendFile, readFile, readdir, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

const CHILD = fileURLToPath(new URL('./fixtures/bus-crash-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
// The child's constants (not imported: importing the child would run it).
const TOTAL = 10_000;
const PARTITIONS = 4;
/** Kill once this many messages were acknowledged and this many consumed: mid-stream on both sides. */
const KILL_AFTER_ACKED = 3_000;
const KILL_AFTER_CONSUMED = 1_000;

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly acked: number;
}

/** Runs the child; with `killWhen`, SIGKILLs it as soon as its progress satisfies the predicate. */
function runChild(busDir: string, recordDir: string, phase: 'first' | 'second', killWhen?: (acked: number, consumed: number) => boolean): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, busDir, recordDir, phase], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let acked = 0;
    let consumed = 0;
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [what, count] = line.split(' ');
      if (what === 'acked') acked = Number(count);
      if (what === 'consumed') consumed = Number(count);
      if (killWhen?.(acked, consumed) === true && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${phase} did not finish in time; stderr:\n${stderr}`));
    }, 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, acked });
    });
  });
}

function lines(text: string): string[][] {
  return text.split('\n').filter((l) => l !== '').map((l) => l.split(' '));
}

describe('embedded bus under kill -9', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('forgecast-bus-crash-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('loses no acknowledged message and keeps per-key order across a SIGKILL and a torn tail', async () => {
    const busDir = path.join(dir.path, 'bus');
    const recordDir = dir.path;

    const first = await runChild(busDir, recordDir, 'first', (acked, consumed) => acked >= KILL_AFTER_ACKED && consumed >= KILL_AFTER_CONSUMED);
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const ackedBeforeKill = lines(await readFile(path.join(recordDir, 'acks.log'), 'utf8')).length;
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(KILL_AFTER_ACKED);
    expect(ackedBeforeKill, 'the kill landed before everything was published').toBeLessThan(TOTAL);

    // A torn tail on every partition, as if each had been cut in the middle of a write.
    const topicDir = path.join(busDir, 'topics', 'crash');
    const grown: string[] = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const segments = (await readdir(path.join(topicDir, String(partition)))).filter((f) => f.endsWith('.log')).sort();
      const last = path.join(topicDir, String(partition), segments[segments.length - 1]!);
      const size = (await stat(last)).size;
      await appendFile(last, randomBytes(41));
      grown.push(`${last}:${size}`);
    }

    const second = await runChild(busDir, recordDir, 'second');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr.match(/truncating the torn tail/g) ?? [], grown.join(', ')).toHaveLength(PARTITIONS);

    const acked = lines(await readFile(path.join(recordDir, 'acks.log'), 'utf8')).map(([key, seq]) => `${key} ${seq}`);
    const consumed = lines(await readFile(path.join(recordDir, 'consumed.log'), 'utf8'));
    expect(new Set(acked).size, 'every message acknowledged once the second run finished').toBe(TOTAL);
    const consumedKeys = new Set(consumed.map(([key, seq]) => `${key} ${seq}`));
    const missing = acked.filter((k) => !consumedKeys.has(k));
    expect(missing, 'acknowledged but never consumed').toEqual([]);

    // Per key, first deliveries follow the publish order; repeats (redelivery from the committed
    // offset, or a message written but not acknowledged before the kill and published again) may
    // only repeat what was already seen.
    const firstSeen = new Map<string, number[]>();
    const partitionOfKey = new Map<string, string>();
    const seen = new Set<string>();
    for (const [key, seq, partition] of consumed) {
      expect(partitionOfKey.get(key!) ?? partition, `${key} stays on one partition`).toBe(partition);
      partitionOfKey.set(key!, partition!);
      if (seen.has(`${key} ${seq}`)) continue;
      seen.add(`${key} ${seq}`);
      const list = firstSeen.get(key!) ?? [];
      list.push(Number(seq));
      firstSeen.set(key!, list);
    }
    expect(firstSeen.size).toBe(100);
    for (const [key, seqs] of firstSeen) expect(seqs, key).toEqual(Array.from({ length: 100 }, (_, i) => i));
  }, 120_000);
});
