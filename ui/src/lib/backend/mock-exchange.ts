// The photos, samples and data-exchange part of the in-memory mock backend.
import { BackendError, type Backend } from './types';
import type { MockStore } from './mock-planning';

type ExchangeApi = Pick<
  Backend,
  'photoStore' | 'photoThumbnail' | 'photoFetch' | 'labResultsImport' | 'sampleSummary' | 'csvPreview' | 'csvImport' | 'dwcaImport' | 'exportFile'
>;

const unavailable = (what: string) => async (): Promise<never> => {
  throw new BackendError({ code: 'internal', message: `${what} is not available in the browser preview`, fields: [] });
};

export function exchangeMock(_store: MockStore): ExchangeApi {
  return {
    photoStore: unavailable('photos'),
    photoThumbnail: async () => null,
    photoFetch: async () => false,
    labResultsImport: unavailable('lab results import'),
    sampleSummary: async () => [],
    csvPreview: unavailable('CSV import'),
    csvImport: unavailable('CSV import'),
    dwcaImport: unavailable('Darwin Core import'),
    exportFile: unavailable('export'),
  };
}
