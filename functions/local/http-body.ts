import type { IncomingMessage } from 'node:http';

/** Larger request bodies are refused with 413 before a handler sees them (issue 10 §1: 64 KB). */
export const REQUEST_BODY_BYTES_MAX = 64 * 1024;

/**
 * How much of an over-long upload is read and thrown away so the 413 reaches the client on a
 * healthy connection. Closing a socket with unread data makes the kernel send a reset, which a
 * client that is still uploading sees instead of our answer; past this cap that is what it gets.
 */
export const DISCARD_BYTES_MAX = 16 * 1024 * 1024;

export type BodyRead =
  | { kind: 'body'; body: Buffer }
  /** Over the limit; `drained` says whether the rest was read to its end (the connection is reusable). */
  | { kind: 'too-large'; drained: boolean };

/**
 * Reads the whole body, keeping at most `limitBytes`. An over-long body (declared or streamed) is
 * read to its end but not kept, up to DISCARD_BYTES_MAX, so the answer is sent after the upload and
 * not into it.
 */
export function readBody(
  request: IncomingMessage,
  limitBytes = REQUEST_BODY_BYTES_MAX,
  discardBytesMax = DISCARD_BYTES_MAX,
): Promise<BodyRead> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes + discardBytesMax) {
    return Promise.resolve({ kind: 'too-large', drained: false });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (read: BodyRead) => {
      if (settled) return;
      settled = true;
      resolve(read);
    };
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes + discardBytesMax) {
        request.pause();
        settle({ kind: 'too-large', drained: false });
        return;
      }
      if (size > limitBytes) chunks.length = 0;
      else chunks.push(chunk);
    });
    request.once('end', () =>
      settle(
        size > limitBytes
          ? { kind: 'too-large', drained: true }
          : { kind: 'body', body: Buffer.concat(chunks) },
      ),
    );
    request.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
  });
}
