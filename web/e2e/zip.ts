// A minimal zip writer for the tests (no zip package in node_modules): deflated
// entries with local headers, the central directory and its end record
// (APPNOTE.TXT 4.3), names in UTF-8 (flag bit 11). No zip64: small files only.

import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: string | Uint8Array;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1; // 2026-01-01
const UTF8_NAMES = 0x0800;
const DEFLATE = 8;
const VERSION = 20;

function header(size: number, fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(size);
  fill(b);
  return b;
}

/** The bytes of a zip holding `entries`, in order. */
export function makeZip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data);
    const packed = deflateRawSync(raw);
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(raw);
    // The fields local and central headers share, from "version needed" on.
    const common = (b: Buffer, at: number) => {
      b.writeUInt16LE(VERSION, at);
      b.writeUInt16LE(UTF8_NAMES, at + 2);
      b.writeUInt16LE(DEFLATE, at + 4);
      b.writeUInt16LE(DOS_TIME, at + 6);
      b.writeUInt16LE(DOS_DATE, at + 8);
      b.writeUInt32LE(crc, at + 10);
      b.writeUInt32LE(packed.length, at + 14);
      b.writeUInt32LE(raw.length, at + 18);
      b.writeUInt16LE(name.length, at + 22);
    };
    const local = header(30, (b) => {
      b.writeUInt32LE(0x04034b50, 0);
      common(b, 4); // extra field length (28) stays 0
    });
    central.push(
      header(46, (b) => {
        b.writeUInt32LE(0x02014b50, 0);
        b.writeUInt16LE(VERSION, 4); // version made by (MS-DOS)
        common(b, 6); // extra (30), comment (32), disk (34), attributes (36, 38) stay 0
        b.writeUInt32LE(offset, 42);
      }),
      name,
    );
    parts.push(local, name, packed);
    offset += local.length + name.length + packed.length;
  }
  const dir = Buffer.concat(central);
  const end = header(22, (b) => {
    b.writeUInt32LE(0x06054b50, 0);
    b.writeUInt16LE(entries.length, 8);
    b.writeUInt16LE(entries.length, 10);
    b.writeUInt32LE(dir.length, 12);
    b.writeUInt32LE(offset, 16);
  });
  return Buffer.concat([...parts, dir, end]);
}
