// Code 128 barcodes drawn into an <svg> (JsBarcode), for printed labels and manifests.
import JsBarcode from 'jsbarcode';

/** Bar sizes in CSS pixels; the printout scales the drawing to its box. */
export type BarcodeSize = { height: number; width: number; margin: number };

/**
 * A Svelte action drawing `value` as a Code 128 barcode of `size`; a value it cannot encode
 * leaves the drawing empty (the code is printed beside it in words anyway).
 */
export function code128(size: BarcodeSize) {
  return (svg: SVGSVGElement, value: string) => {
    const draw = (v: string) => {
      try {
        JsBarcode(svg, v, { format: 'CODE128', displayValue: false, ...size });
      } catch {
        svg.replaceChildren();
      }
    };
    draw(value);
    return { update: draw };
  };
}
