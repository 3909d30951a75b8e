import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, gzipSync } from "node:zlib";
import tar from "tar-stream";

// The archive's container: a gzipped tar (tar-stream). Writing takes the files in memory;
// reading is bounded on both sides: the compressed size, and the bytes decompression may
// produce (a zip bomb stops at the limit instead of filling the memory).

export interface ArchiveLimits {
  /** The archive file as uploaded. */
  maxArchiveBytes: number;
  /** Everything in it once decompressed. */
  maxUnpackedBytes: number;
  maxFiles: number;
}

export const ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 50 * 1024 * 1024,
  maxUnpackedBytes: 400 * 1024 * 1024,
  maxFiles: 500,
};

/** An archive refused, with the reason to show. */
export class ArchiveRefused extends Error {}

export async function packArchive(files: { name: string; body: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  const mtime = new Date();
  for (const file of files)
    pack.entry({ name: file.name, size: file.body.length, mtime, mode: 0o644 }, file.body);
  pack.finalize();
  return gzipSync(await collected);
}

export async function unpackArchive(
  archive: Buffer,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
): Promise<Map<string, Buffer>> {
  if (archive.length > limits.maxArchiveBytes)
    throw new ArchiveRefused(
      `The archive is ${mb(archive.length)}; at most ${mb(limits.maxArchiveBytes)} is accepted.`,
    );
  const files = new Map<string, Buffer>();
  let unpacked = 0;
  const tooBig = () =>
    new ArchiveRefused(
      `The archive unpacks to more than ${mb(limits.maxUnpackedBytes)}; it was not read further.`,
    );
  const gunzip = createGunzip();
  gunzip.on("data", (chunk: Buffer) => {
    unpacked += chunk.length;
    if (unpacked > limits.maxUnpackedBytes) gunzip.destroy(tooBig());
  });
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      if (entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      if (files.size >= limits.maxFiles)
        throw new ArchiveRefused(`The archive holds more than ${limits.maxFiles} files.`);
      const parts: Buffer[] = [];
      for await (const chunk of entry) parts.push(chunk as Buffer);
      files.set(entry.header.name, Buffer.concat(parts));
    }
  })();
  try {
    await Promise.all([pipeline(Readable.from([archive]), gunzip, extract), reading]);
  } catch (error) {
    if (error instanceof ArchiveRefused) throw error;
    if (unpacked > limits.maxUnpackedBytes) throw tooBig();
    throw new ArchiveRefused(
      "The file is not a Gapmap export archive (a .tar.gz) or it is damaged.",
    );
  }
  return files;
}

function mb(bytes: number) {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}
