/**
 * One partition of the embedded log: a directory of append-only segment files named by the offset
 * of their first message (`00000000000000000000.log`: 20 digits, as Kafka names them, so names
 * sort by offset). Only the last segment is written; it rolls to a new file once it holds
 * `segmentBytes` (a segment may exceed that by at most one write).
 *
 * Appending. Publish calls enqueue their messages; one flush loop per partition takes everything
 * queued, encodes it into ONE buffer and issues ONE positional write (plus one `fdatasync` with
 * `fsync`). Under load, publishes that arrive during a write are coalesced into the next one —
 * offsets stay sequential and follow enqueue order, and one syscall carries thousands of messages.
 * A failed write is cut off again (`ftruncate` to the size before it) and its publishes reject
 * with the retriable FGC_BUS_PUBLISH_FAILED; if even that fails the partition refuses further
 * appends (and `ping` reports it) rather than appending after bytes of unknown state.
 *
 * Durability. A publish resolves after `write` returned: the bytes are in the OS page cache, which
 * belongs to the kernel, not the process — they survive `kill -9` and any crash of Node. Only a
 * power loss or kernel crash can lose them; `fsync: true` (FORGECAST_BUS_FSYNC) closes that gap
 * at the cost of one `fdatasync` per coalesced write.
 *
 * Recovery. On open, the last segment is scanned frame by frame (length, CRC, offset sequence);
 * the first frame that fails marks the torn tail a crash left behind, and the file is truncated
 * there. Only the last segment can be torn: earlier ones were complete before the roll.
 */
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { BusMessage } from './event-bus.js';
import type { Logger } from '../logger.js';
import { FgcError } from '../errors.js';
import { encodeFrame, frameBytes, frameOffset } from './embedded-log-frame.js';
import { FrameStatus, SegmentCursor, type LogSegment, type LogView } from './embedded-log-reader.js';
import { fsyncDirectory } from '../durable-files.js';

/**
 * Default segment size (32 MiB). Small enough that the tail scan on open stays in the tens of
 * milliseconds per partition and a seek scans little; large enough that a busy partition rolls
 * rarely (≈ 230,000 frames of 100-byte messages per segment).
 */
export const DEFAULT_SEGMENT_BYTES = 32 * 1024 * 1024;

const SEGMENT_NAME = /^(\d{20})\.log$/;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

export interface PartitionLogOptions {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly fsync: boolean;
  readonly segmentBytes: number;
  readonly logger: Logger;
}

interface PendingAppend {
  readonly messages: readonly BusMessage[];
  readonly bytes: number;
  readonly resolve: (baseOffset: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Finds where the valid frames of a segment end. */
async function scanSegment(handle: FileHandle, segment: LogSegment): Promise<{ bytes: number; nextOffset: number }> {
  const cursor = new SegmentCursor(handle, 0);
  let nextOffset = segment.baseOffset;
  for (;;) {
    const status = cursor.peek(segment.size, true);
    if (status === FrameStatus.NeedBytes) {
      await cursor.load(segment.size);
    } else if (status === FrameStatus.Whole && frameOffset(cursor.chunk, cursor.index) === nextOffset) {
      cursor.advance();
      nextOffset++;
    } else {
      return { bytes: cursor.position, nextOffset };
    }
  }
}

export class PartitionLog implements LogView {
  readonly topic: string;
  readonly partition: number;
  /** Oldest first; grows on roll. Shared with readers, which only read `size` bytes of each. */
  readonly segments: LogSegment[];
  #endOffset: number;
  #handle: FileHandle;
  #queue: PendingAppend[] = [];
  #flushing: Promise<void> | undefined;
  #failure: FgcError | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #listeners = new Set<() => void>();

  private constructor(
    private readonly options: PartitionLogOptions,
    segments: LogSegment[],
    handle: FileHandle,
    endOffset: number,
  ) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.segments = segments;
    this.#handle = handle;
    this.#endOffset = endOffset;
  }

  /** Opens (creating when absent) the partition directory and recovers its last segment. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const { dir, logger } = options;
    await mkdir(dir, { recursive: true });
    const segments: LogSegment[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const match = SEGMENT_NAME.exec(name);
      if (match === null) continue;
      const file = path.join(dir, name);
      segments.push({ baseOffset: Number(match[1]), path: file, size: (await stat(file)).size });
    }
    if (segments.length === 0) {
      const file = path.join(dir, segmentFileName(0));
      const handle = await open(file, 'wx');
      if (options.fsync) await fsyncDirectory(dir);
      return new PartitionLog(options, [{ baseOffset: 0, path: file, size: 0 }], handle, 0);
    }
    const last = segments[segments.length - 1]!;
    const handle = await open(last.path, 'r+');
    try {
      const { bytes, nextOffset } = await scanSegment(handle, last);
      if (bytes < last.size) {
        logger.warn({ topic: options.topic, partition: options.partition, segment: last.path, validBytes: bytes, droppedBytes: last.size - bytes },
          'embedded log: truncating the torn tail of a segment (left by a crash or a failed write)');
        await handle.truncate(bytes);
        if (options.fsync) await handle.datasync();
        last.size = bytes;
      }
      logger.debug({ topic: options.topic, partition: options.partition, segments: segments.length, endOffset: nextOffset }, 'embedded log: partition opened');
      return new PartitionLog(options, segments, handle, nextOffset);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Offset the next appended message gets. */
  get endOffset(): number {
    return this.#endOffset;
  }

  /** Set when the partition refuses appends after a write it could not undo. */
  get failure(): FgcError | undefined {
    return this.#failure;
  }

  /**
   * Appends `messages` (validated first, so a bad message fails only its own call) and resolves with
   * the offset of the first once they are written.
   */
  append(messages: readonly BusMessage[]): Promise<number> {
    if (this.#closed) return Promise.reject(new FgcError('FGC_BUS_CLOSED', 'the embedded event bus is closed'));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<number>((resolve, reject) => {
      let bytes = 0;
      for (const message of messages) bytes += frameBytes(message); // a throw here rejects this call only
      this.#queue.push({ messages, bytes, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /** Calls `listener` after every successful append; returns the unsubscribe. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        await this.#writeBatch(batch);
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Writes one coalesced batch; settles every append in it and never throws. */
  async #writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    if (this.#failure !== undefined) {
      for (const item of batch) item.reject(this.#failure);
      return;
    }
    let active = this.segments[this.segments.length - 1]!;
    try {
      if (active.size >= this.options.segmentBytes) active = await this.#roll();
    } catch (cause) {
      const error = new FgcError('FGC_BUS_PUBLISH_FAILED', `could not roll a segment of ${this.topic}[${this.partition}]`, { cause });
      for (const item of batch) item.reject(error);
      return;
    }
    let total = 0;
    for (const item of batch) total += item.bytes;
    const buffer = Buffer.allocUnsafe(total);
    const timestamp = Date.now();
    const bases: number[] = [];
    let offset = this.#endOffset;
    let pos = 0;
    try {
      for (const item of batch) {
        bases.push(offset);
        for (const message of item.messages) pos = encodeFrame(buffer, pos, message, offset++, timestamp);
      }
      if (pos !== total) throw new RangeError(`encoded ${pos} bytes, expected ${total}`);
    } catch (cause) {
      // Sizes are computed when a message is queued; only a message mutated since then gets here.
      const error = new FgcError('FGC_BUS_INVALID_REQUEST', `messages for ${this.topic}[${this.partition}] changed between publish and write`, { cause });
      for (const item of batch) item.reject(error);
      return;
    }
    const at = active.size;
    try {
      let written = 0;
      // A regular file rarely takes less than asked, but `write` is allowed to: loop until done.
      while (written < total) {
        const { bytesWritten } = await this.#handle.write(buffer, written, total - written, at + written);
        if (bytesWritten === 0) throw new Error(`write to ${active.path} made no progress`);
        written += bytesWritten;
      }
      if (this.options.fsync) await this.#handle.datasync();
    } catch (cause) {
      await this.#undoWrite(at, cause);
      const error = new FgcError('FGC_BUS_PUBLISH_FAILED', `append to ${this.topic}[${this.partition}] failed`, { cause });
      for (const item of batch) item.reject(error);
      return;
    }
    active.size = at + total;
    this.#endOffset = offset;
    batch.forEach((item, i) => item.resolve(bases[i]!));
    for (const listener of this.#listeners) listener();
  }

  async #undoWrite(size: number, cause: unknown): Promise<void> {
    try {
      await this.#handle.truncate(size);
    } catch (truncateError) {
      this.#failure = new FgcError('FGC_BUS_PUBLISH_FAILED', `${this.topic}[${this.partition}] holds a partial write that could not be removed; restart to recover`, {
        cause: truncateError,
        retriable: false,
      });
      this.options.logger.error({ err: truncateError, writeError: cause, topic: this.topic, partition: this.partition }, 'embedded log: partition disabled');
    }
  }

  async #roll(): Promise<LogSegment> {
    const baseOffset = this.#endOffset;
    const file = path.join(this.options.dir, segmentFileName(baseOffset));
    const handle = await open(file, 'wx');
    // With fsync, the new file's directory entry must be durable before anything in it is acked.
    if (this.options.fsync) await fsyncDirectory(this.options.dir);
    const previous = this.#handle;
    this.#handle = handle;
    await previous.close();
    const segment: LogSegment = { baseOffset, path: file, size: 0 };
    this.segments.push(segment);
    this.options.logger.debug({ topic: this.topic, partition: this.partition, baseOffset }, 'embedded log: rolled to a new segment');
    return segment;
  }

  /** Lets queued appends finish, then closes the active segment. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      while (this.#flushing !== undefined) await this.#flushing;
      this.#listeners.clear();
      await this.#handle.close();
    })();
    return this.#closing;
  }
}
