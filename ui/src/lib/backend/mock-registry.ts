// The registries part of the in-memory mock backend: country data sheets.
import type { Backend } from './types';
import type { MockStore } from './mock-planning';

type RegistryApi = Pick<Backend, 'dataSheets'>;

export function registryMock(_store: MockStore): RegistryApi {
  return {
    dataSheets: async () => [],
  };
}
