// The mock's backups: a copy of the records kept under the backup's path, restored in place.
// A path containing "newer" or "damaged" is refused as the core refuses such backups.
import type { BackupDone } from '../bindings/app';
import { BackendError, type Backend } from './types';

type Backups = Pick<Backend, 'backupFolder' | 'backupCreate' | 'backupRestore'>;

export function backupMock<T>(records: Map<string, T>): Backups {
  const saved = new Map<string, [string, T][]>();
  let n = 0;
  return {
    backupFolder: async () => '/tmp/dauria-mock/Backups',
    backupCreate: async (folder) => {
      n += 1;
      const path = `${folder.replace(/\/+$/, '')}/dauria-backup-${n}`;
      saved.set(path, structuredClone([...records.entries()]));
      return { path, store_bytes: 4096 * records.size, photos: 0 } satisfies BackupDone;
    },
    backupRestore: async (path) => {
      if (path.includes('newer')) {
        throw new BackendError({ code: 'too_new', message: 'the store has version 9; this version of Dauria Field reads up to 4', fields: [] });
      }
      const copy = saved.get(path);
      if (!copy || path.includes('damaged')) {
        throw new BackendError({ code: 'invalid', message: `${path} holds no dauria.sqlite3`, fields: [{ field: 'backup', rule: 'damaged', message: 'no store' }] });
      }
      records.clear();
      for (const [k, v] of structuredClone(copy)) records.set(k, v);
      return { path, store_bytes: 4096 * records.size, photos: 0 };
    },
  };
}
