/**
 * Reading the embedded log: `SegmentCursor` walks the frames of one segment file in large chunks
 * (recovery uses it to find the valid end of a segment), and `PartitionReader` is a consumer's
 * position in one partition — it seeks to an offset once, then reads forward across segments.
 *
 * Readers only ever look at bytes below a segment's `size`, which the writer raises only after a
 * write completed; so a reader never sees half of an append in progress, without any locking.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ConsumedMessage } from './event-bus.js';
import { FRAME_PREFIX_BYTES, decodeFrame, frameBodyLength, frameCrcMatches, frameOffset } from './embedded-log-frame.js';
import { FgcError } from '../errors.js';

/**
 * Bytes read per syscall (1 MiB ≈ 7,000 frames of 100-byte messages): a batch of 1,000 messages
 * then costs a fraction of one read, while a reader holds at most about this much memory besides
 * the batches its handler still references.
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** One segment file. `size` is the number of bytes readers may read (whole frames only). */
export interface LogSegment {
  readonly baseOffset: number;
  readonly path: string;
  size: number;
}

/** What a reader needs of a partition: its segments (the array grows on roll) and its end. */
export interface LogView {
  readonly topic: string;
  readonly partition: number;
  readonly segments: readonly LogSegment[];
  readonly endOffset: number;
}

/** What `SegmentCursor.peek` found at the cursor. */
export const FrameStatus = {
  /** A whole (and, when asked, CRC-checked) frame is loaded: see `chunk`, `index`, `bodyLength`. */
  Whole: 0,
  /** The cursor is at the limit. */
  End: 1,
  /** The bytes at the cursor are not a valid frame below the limit: a torn or corrupt tail. */
  Torn: 2,
  /** The frame is (partly) outside the loaded chunk: call `load` and peek again. */
  NeedBytes: 3,
} as const;
export type FrameStatus = (typeof FrameStatus)[keyof typeof FrameStatus];

const EMPTY = Buffer.alloc(0);

/** Walks the frames of one open segment file from `position` on. */
export class SegmentCursor {
  /** File position of the frame under the cursor. */
  position: number;
  /** After `Whole`: the loaded chunk, the frame's index in it and its body length. */
  chunk: Buffer = EMPTY;
  index = 0;
  bodyLength = 0;
  #chunkStart = 0;

  constructor(
    private readonly handle: FileHandle,
    position: number,
  ) {
    this.position = position;
  }

  /** Inspects the frame at the cursor without I/O, considering only bytes below `limit`. */
  peek(limit: number, verifyCrc: boolean): FrameStatus {
    const left = limit - this.position;
    if (left <= 0) return FrameStatus.End;
    if (left < FRAME_PREFIX_BYTES) return FrameStatus.Torn;
    const index = this.position - this.#chunkStart;
    const loaded = this.chunk.length - index;
    if (index < 0 || loaded < FRAME_PREFIX_BYTES) return FrameStatus.NeedBytes;
    const body = frameBodyLength(this.chunk, index);
    if (body < 0 || FRAME_PREFIX_BYTES + body > left) return FrameStatus.Torn;
    if (FRAME_PREFIX_BYTES + body > loaded) return FrameStatus.NeedBytes;
    if (verifyCrc && !frameCrcMatches(this.chunk, index, body)) return FrameStatus.Torn;
    this.index = index;
    this.bodyLength = body;
    return FrameStatus.Whole;
  }

  /** Moves past the frame `peek` returned as `Whole`. */
  advance(): void {
    this.position += FRAME_PREFIX_BYTES + this.bodyLength;
  }

  /**
   * Loads the bytes from the cursor on into a fresh chunk: at least the whole frame under the cursor
   * (when its length is known), at most up to `limit`. Fresh, not reused: messages handed out earlier
   * are views into the previous chunk and must stay intact.
   */
  async load(limit: number): Promise<void> {
    const index = this.position - this.#chunkStart;
    let need = FRAME_PREFIX_BYTES;
    if (index >= 0 && this.chunk.length - index >= FRAME_PREFIX_BYTES) need += Math.max(0, frameBodyLength(this.chunk, index));
    const size = Math.min(limit - this.position, Math.max(READ_CHUNK_BYTES, need));
    const chunk = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await this.handle.read(chunk, filled, size - filled, this.position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < Math.min(need, size)) {
      throw new FgcError('FGC_BUS_CORRUPT_LOG', `segment ends at ${this.position + filled}, before its known size ${limit}`);
    }
    this.chunk = filled === size ? chunk : chunk.subarray(0, filled);
    this.#chunkStart = this.position;
  }
}

function corrupt(log: LogView, message: string): FgcError {
  return new FgcError('FGC_BUS_CORRUPT_LOG', `${log.topic}[${log.partition}]: ${message}`);
}

/** A consumer's read position in one partition. */
export class PartitionReader {
  #segmentIndex: number;
  #handle: FileHandle;
  #cursor: SegmentCursor;
  /** Offset of the next message `read` returns. */
  nextOffset: number;

  private constructor(
    private readonly log: LogView,
    segmentIndex: number,
    handle: FileHandle,
  ) {
    this.#segmentIndex = segmentIndex;
    this.#handle = handle;
    this.#cursor = new SegmentCursor(handle, 0);
    this.nextOffset = log.segments[segmentIndex]!.baseOffset;
  }

  /**
   * A reader positioned at `fromOffset`, clamped to the log's range. Seeking scans frame headers
   * from the start of the segment holding the offset (no index file: a segment is at most a few
   * tens of MiB, and consumers seek only when they take over a partition).
   */
  static async open(log: LogView, fromOffset: number): Promise<PartitionReader> {
    const segments = log.segments;
    const target = Math.min(Math.max(fromOffset, segments[0]!.baseOffset), log.endOffset);
    let index = segments.length - 1;
    while (index > 0 && segments[index]!.baseOffset > target) index--;
    const reader = new PartitionReader(log, index, await open(segments[index]!.path, 'r'));
    if (target === log.endOffset && index === segments.length - 1) {
      // The common case of a group that is caught up: no scan, start at the visible end.
      reader.#cursor.position = segments[index]!.size;
      reader.nextOffset = target;
      return reader;
    }
    try {
      await reader.#skipTo(target);
    } catch (error) {
      await reader.close();
      throw error;
    }
    return reader;
  }

  async #skipTo(target: number): Promise<void> {
    const segment = this.log.segments[this.#segmentIndex]!;
    while (this.nextOffset < target) {
      const status = this.#cursor.peek(segment.size, false);
      if (status === FrameStatus.NeedBytes) {
        await this.#cursor.load(segment.size);
      } else if (status === FrameStatus.Whole) {
        if (frameOffset(this.#cursor.chunk, this.#cursor.index) !== this.nextOffset) throw corrupt(this.log, `offset sequence broken at ${this.nextOffset}`);
        this.#cursor.advance();
        this.nextOffset++;
      } else {
        throw corrupt(this.log, `offset ${target} not found in segment ${segment.path}`);
      }
    }
  }

  /** Up to `max` messages from the current position on; empty when the reader is at the end. */
  async read(max: number): Promise<ConsumedMessage[]> {
    const out: ConsumedMessage[] = [];
    const { topic, partition } = this.log;
    while (out.length < max) {
      const segments = this.log.segments;
      const segment = segments[this.#segmentIndex]!;
      const next = segments[this.#segmentIndex + 1];
      // Switching on the offset, not on the end of the file, also steps over stray bytes that
      // might trail a segment that was rolled.
      if (next !== undefined && this.nextOffset >= next.baseOffset) {
        await this.#moveToSegment(this.#segmentIndex + 1);
        continue;
      }
      const cursor = this.#cursor;
      const status = cursor.peek(segment.size, true);
      if (status === FrameStatus.Whole) {
        if (frameOffset(cursor.chunk, cursor.index) !== this.nextOffset) throw corrupt(this.log, `expected offset ${this.nextOffset} at byte ${cursor.position}`);
        out.push(decodeFrame(cursor.chunk, cursor.index, cursor.bodyLength, topic, partition));
        cursor.advance();
        this.nextOffset++;
      } else if (status === FrameStatus.NeedBytes) {
        await cursor.load(segment.size);
      } else if (status === FrameStatus.End) {
        if (next !== undefined) throw corrupt(this.log, `segment ${segment.path} ends at offset ${this.nextOffset}, before ${next.baseOffset}`);
        break;
      } else {
        throw corrupt(this.log, `invalid frame at byte ${cursor.position} of ${segment.path}`);
      }
    }
    return out;
  }

  async #moveToSegment(index: number): Promise<void> {
    const segment = this.log.segments[index]!;
    const handle = await open(segment.path, 'r');
    await this.#handle.close();
    this.#handle = handle;
    this.#segmentIndex = index;
    this.#cursor = new SegmentCursor(handle, 0);
    this.nextOffset = segment.baseOffset;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
