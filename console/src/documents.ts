/** Helpers of the quote, contract and order screens. */
import { download } from "./api";

export interface DraftLine {
  name: string;
  quantity: string;
  unit_price: string;
  discount: string;
  tax_rate: string;
}

export function emptyLine(): DraftLine {
  return { name: "", quantity: "1", unit_price: "", discount: "", tax_rate: "" };
}

/**
 * The quote's lines as the API takes them: free lines with their own price;
 * blank percentages are left out so the catalog's defaults apply.
 */
export function linesForApi(lines: readonly DraftLine[]) {
  return lines.map((l) => ({
    name: l.name.trim(),
    quantity: l.quantity.trim(),
    unit_price: l.unit_price.trim(),
    ...(l.discount.trim() ? { discount: l.discount.trim() } : {}),
    ...(l.tax_rate.trim() ? { tax_rate: l.tax_rate.trim() } : {}),
  }));
}

/** Which moves a quote in ``status`` offers (the API refuses the others anyway). */
export function quoteMoves(status: string): ("send" | "accept" | "reject" | "contract")[] {
  if (status === "draft") return ["send"];
  if (status === "sent") return ["accept", "reject"];
  if (status === "accepted") return ["contract"];
  return [];
}

/** Which moves a contract in ``status`` offers. */
export function contractMoves(status: string): ("submit" | "activate")[] {
  if (status === "draft" || status === "rejected") return ["submit"];
  if (status === "approved") return ["activate"];
  return [];
}

/**
 * Open an authorised PDF (the quote) in a new tab. The API needs the bearer
 * token, which a plain link would not carry, so it is fetched and shown from
 * a blob: address.
 */
export async function openPdf(path: string): Promise<void> {
  const blob = await download(path);
  const url = URL.createObjectURL(blob);
  window.open(url, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
