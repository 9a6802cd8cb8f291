// The chain-of-custody part of the in-memory mock backend: shipments, transfers, receipts
// checked against the manifest by barcode, and each sample's history, as
// crates/core/src/custody.rs keeps them.
import type {
  CustodyTransfer,
  HistoryEntry,
  ReceiptLine,
  ReceiptStatus,
  Sample,
  Shipment,
  ShipmentDetail,
  ShipmentStatus,
  Observation,
  Taxon,
} from '../bindings/core';
import { BackendError, type Backend } from './types';

type CustodyApi = Pick<
  Backend,
  | 'shipmentList'
  | 'shipmentDetail'
  | 'shipmentAdd'
  | 'shipmentSend'
  | 'shipmentTransfer'
  | 'shipmentReceive'
  | 'shipmentManifestCsv'
  | 'sampleHistory'
>;

const invalid = (field: string, rule: string, message: string) =>
  new BackendError({ code: 'invalid', message, fields: [{ field, rule, message }] });

const key = (b: string) => b.trim().toLowerCase();

export function custodyMock(api: () => Backend): CustodyApi {
  async function of<T>(kind: string): Promise<{ id: string; rev: string; body: T }[]> {
    return (await api().listRecords(kind as never)).flatMap((c) =>
      c.body?.kind === kind && !c.deleted ? [{ id: c.id, rev: c.rev_id, body: c.body.body as T }] : [],
    );
  }

  async function sampleByBarcode(barcode: string, field = 'samples') {
    const hits = (await of<Sample>('sample')).filter((s) => key(s.body.barcode) === key(barcode));
    if (hits.length === 0) throw invalid(field, 'unknown_barcode', `no sample has barcode ${barcode.trim()}`);
    if (hits.length > 1) throw invalid(field, 'duplicate_barcode', `barcode ${barcode.trim()} is on ${hits.length} samples`);
    return hits[0];
  }

  async function find(k: string) {
    const hits = (await of<Shipment>('shipment')).filter((s) => s.id === k.trim() || key(s.body.reference) === key(k));
    if (!hits.length) throw new BackendError({ code: 'not_found', message: `no shipment ${k}`, fields: [] });
    return hits[0];
  }

  async function transfers(id: string) {
    return (await of<CustodyTransfer>('custody_transfer'))
      .filter((t) => t.body.shipment === id)
      .sort((a, b) => Date.parse(a.body.at) - Date.parse(b.body.at));
  }

  const statusOf = (ts: { body: CustodyTransfer }[]): ShipmentStatus =>
    ts.some((t) => t.body.action === 'received') ? 'received' : ts.length ? 'in_transit' : 'packed';

  async function log(k: string, action: CustodyTransfer['action'], h: Parameters<Backend['shipmentSend']>[1], receipt: ReceiptLine[] = []) {
    const s = await find(k);
    const status = statusOf(await transfers(s.id));
    if (status === 'received') throw invalid('shipment', 'already_received', `shipment ${s.body.reference} has been received`);
    if (action === 'sent' && status === 'in_transit') throw invalid('shipment', 'already_sent', `shipment ${s.body.reference} has been sent`);
    if (action === 'transferred' && status === 'packed') throw invalid('shipment', 'not_sent', `shipment ${s.body.reference} has not been sent yet`);
    if (!h.to_person.trim()) throw invalid('to_person', 'required', 'to_person is required');
    if (Number.isNaN(Date.parse(h.at))) throw invalid('at', 'format', `'${h.at}' is not a date and time`);
    const condition = receipt.some((l) => l.status === 'damaged') ? 'damaged' : h.condition;
    return api().createRecord({
      kind: 'custody_transfer',
      body: { shipment: s.id, samples: s.body.samples, action, ...h, condition, receipt },
    });
  }

  async function detail(k: string): Promise<ShipmentDetail> {
    const s = await find(k);
    const ts = await transfers(s.id);
    const samples = new Map((await of<Sample>('sample')).map((x) => [x.id, x.body]));
    const found = new Map<string, ReceiptStatus>();
    for (const t of ts) for (const l of t.body.receipt) if (l.sample) found.set(l.sample, l.status);
    const items = [];
    for (const id of s.body.samples) {
      const x = samples.get(id);
      if (!x) continue;
      const host = await api().getRecord(x.host_observation).catch(() => null);
      let hostName: string | null = null;
      if (host?.body?.kind === 'observation') {
        const o = host.body.body as Observation;
        const t = o.taxon ? await api().getRecord(o.taxon).catch(() => null) : null;
        hostName = t?.body?.kind === 'taxon' ? (t.body.body as Taxon).scientific_name : o.taxon_name;
      }
      items.push({ sample: id, barcode: x.barcode, sample_type: x.sample_type, host: hostName, collected_at: x.collected_at, receipt: found.get(id) ?? null });
    }
    return {
      id: s.id,
      rev_id: s.rev,
      conflict: false,
      shipment: s.body,
      status: statusOf(ts),
      items,
      transfers: ts.map((t) => ({ id: t.id, transfer: t.body })),
      discrepancies: ts.flatMap((t) => t.body.receipt).filter((l) => l.status !== 'received'),
    };
  }

  return {
    async shipmentList() {
      const out = [];
      for (const s of await of<Shipment>('shipment')) {
        const ts = await transfers(s.id);
        out.push({
          id: s.id,
          reference: s.body.reference,
          from: s.body.from,
          to: s.body.to,
          cold_chain: s.body.cold_chain,
          samples: s.body.samples.length,
          status: statusOf(ts),
          discrepancies: ts.flatMap((t) => t.body.receipt).filter((l) => l.status !== 'received').length,
          conflict: false,
        });
      }
      return out.sort((a, b) => b.reference.localeCompare(a.reference));
    },
    shipmentDetail: detail,
    async shipmentAdd(input) {
      const seen = new Set<string>();
      const samples: string[] = [];
      for (const b of input.barcodes.filter((b) => b.trim())) {
        if (seen.has(key(b))) throw invalid('samples', 'duplicate', `barcode ${b.trim()} is listed twice`);
        seen.add(key(b));
        samples.push((await sampleByBarcode(b)).id);
      }
      if (!samples.length) throw invalid('samples', 'required', 'a shipment holds at least one sample');
      if (!input.from.trim()) throw invalid('from', 'required', 'from is required');
      if (!input.to.trim()) throw invalid('to', 'required', 'to is required');
      const day = (input.packed_on ?? new Date().toISOString().slice(0, 10)).replaceAll('-', '');
      const reference = `SHP-${day}-${Math.random().toString(16).slice(2, 6).toUpperCase().padEnd(4, '0')}`;
      const { from, to, carrier, cold_chain, packed_on, expected_on, notes } = input;
      await api().createRecord({ kind: 'shipment', body: { reference, samples, from, to, carrier, cold_chain, packed_on, expected_on, notes } });
      return reference;
    },
    shipmentSend: (k, h) => log(k, 'sent', h),
    shipmentTransfer: (k, h) => log(k, 'transferred', h),
    async shipmentReceive(k, r) {
      const d = await detail(k);
      const damaged = new Set(r.damaged.map(key));
      const order: string[] = [];
      const seen = new Set<string>();
      let repeated = 0;
      for (const b of r.scanned.filter((b) => b.trim())) {
        if (seen.has(key(b))) repeated++;
        else {
          seen.add(key(b));
          order.push(b.trim());
        }
      }
      for (const b of r.damaged.filter((b) => !seen.has(key(b)))) {
        seen.add(key(b));
        order.push(b.trim());
      }
      const inManifest = new Set(d.items.map((i) => key(i.barcode)));
      const lines: ReceiptLine[] = d.items.map((i) => ({
        barcode: i.barcode,
        sample: i.sample,
        status: damaged.has(key(i.barcode)) ? 'damaged' : seen.has(key(i.barcode)) ? 'received' : 'missing',
        note: null,
      }));
      for (const b of order.filter((b) => !inManifest.has(key(b)))) {
        const known = await sampleByBarcode(b).catch(() => null);
        lines.push({ barcode: b, sample: known?.id ?? null, status: 'extra', note: null });
      }
      const saved = await log(k, 'received', r.handover, lines);
      return { saved, lines, repeated_scans: repeated };
    },
    async shipmentManifestCsv(k) {
      const d = await detail(k);
      const q = (v: string | null | undefined) => {
        const s = v ?? '';
        return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
      };
      const s = d.shipment;
      const head = 'shipment,from,to,carrier,cold_chain,packed_on,expected_on,barcode,sample_type,host,collected_at,receipt';
      const rows = d.items.map((i) =>
        [s.reference, s.from, s.to, s.carrier, s.cold_chain, s.packed_on, s.expected_on, i.barcode, i.sample_type, i.host, i.collected_at, i.receipt].map(q).join(','),
      );
      return [head, ...rows].join('\n') + '\n';
    },
    async sampleHistory(barcode) {
      const s = await sampleByBarcode(barcode, 'barcode');
      const refs = new Map((await of<Shipment>('shipment')).map((x) => [x.id, x.body.reference]));
      const entries: HistoryEntry[] = [];
      for (const t of await of<CustodyTransfer>('custody_transfer')) {
        const line = t.body.receipt.find((l) => l.sample === s.id);
        if (!t.body.samples.includes(s.id) && !line) continue;
        entries.push({
          at: t.body.at,
          event: t.body.action,
          shipment: t.body.shipment,
          shipment_reference: t.body.shipment ? (refs.get(t.body.shipment) ?? null) : null,
          from_person: t.body.from_person,
          to_person: t.body.to_person,
          place: t.body.place,
          condition: t.body.condition,
          temperature_c: t.body.temperature_c,
          receipt: line?.status ?? null,
          notes: t.body.notes,
        });
      }
      entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      const collected: HistoryEntry = {
        at: s.body.collected_at,
        event: 'collected',
        shipment: null,
        shipment_reference: null,
        from_person: null,
        to_person: null,
        place: null,
        condition: null,
        temperature_c: null,
        receipt: null,
        notes: s.body.storage,
      };
      return { sample_id: s.id, sample: s.body, entries: [collected, ...entries] };
    },
  };
}
