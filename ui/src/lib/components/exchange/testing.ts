// Test files for imports: CSV text as a File and a zip archive (stored entries) for DwC-A.
const u16 = (v: number) => [v & 255, (v >> 8) & 255];
const u32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A zip archive holding `files` uncompressed. */
export function storedZip(files: Record<string, string>): Uint8Array {
  const enc = new TextEncoder();
  const out: number[] = [];
  const central: number[] = [];
  let n = 0;
  for (const [name, text] of Object.entries(files)) {
    const nb = [...enc.encode(name)];
    const data = enc.encode(text);
    const crc = crc32(data);
    const at = out.length;
    out.push(...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(nb.length), ...u16(0), ...nb, ...data);
    central.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(nb.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(at), ...nb);
    n++;
  }
  const cdAt = out.length;
  out.push(...central, ...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(n), ...u16(n), ...u32(central.length), ...u32(cdAt), ...u16(0));
  return new Uint8Array(out);
}

export function bytesFile(bytes: Uint8Array, name: string, type = 'application/zip'): File {
  const f = new File([new Uint8Array(bytes)], name, { type });
  // jsdom's File has no arrayBuffer(); browsers and WebKitGTK do.
  if (typeof f.arrayBuffer !== 'function') {
    Object.defineProperty(f, 'arrayBuffer', { value: async () => new Uint8Array(bytes).buffer });
  }
  return f;
}

export function textFile(text: string, name: string, type = 'text/csv'): File {
  return bytesFile(new TextEncoder().encode(text), name, type);
}

/** Hands `files` to a file input the way a person choosing them does. */
export function choose(input: Element, files: File[]): void {
  Object.defineProperty(input, 'files', { value: files, configurable: true });
}
