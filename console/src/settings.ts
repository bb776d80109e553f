/** Team settings helpers (pure: tested alone). */

/**
 * The part of a setting as read that may be sent back to change it: only the
 * ``writable`` fields (the APIs refuse unknown ones), and in the lists named
 * by ``nested`` only those fields of each element (a pipeline's stages).
 */
export function editableCopy(
  item: Record<string, any>,
  writable: string[],
  nested: Record<string, string[]> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of writable) {
    if (!(key in item)) continue;
    const keep = nested[key];
    out[key] = keep && Array.isArray(item[key])
      ? item[key].map((element: Record<string, unknown>) => Object.fromEntries(keep.filter((k) => k in element).map((k) => [k, element[k]])))
      : item[key];
  }
  return out;
}

/** Roles from a comma- or space-separated entry, trimmed, without repeats. */
export function parseRoles(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((r) => r.trim()).filter(Boolean))];
}

/** The pool rules an admin edits in the form, as the pool API's partial rules. */
export function poolRulesPatch(noFollowupDays: number | null, dailyClaims: number | null): Record<string, unknown> {
  const rules: Record<string, unknown> = {};
  if (noFollowupDays !== null) rules.no_followup = { enabled: noFollowupDays > 0, days: noFollowupDays };
  rules.daily_claim_limit = dailyClaims;
  return rules;
}
